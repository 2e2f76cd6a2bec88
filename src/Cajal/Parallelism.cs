namespace Cajal;

/// <summary>The intra-op thread setting shared by every parallel kernel.</summary>
/// <remarks>
/// Kernels split large problems over at most <see cref="MaxThreads"/> threads. Results do not depend on
/// it: each output element is computed by the same sequence of operations on any thread count.
/// Parallel regions do not nest: a kernel called from inside another kernel's worker (e.g. the GEMM of one
/// convolution chunk) runs on that worker's thread alone, so the process never runs more than
/// <see cref="MaxThreads"/> kernel threads at once.
/// </remarks>
public static class Parallelism
{
    private static int s_maxThreads = Environment.ProcessorCount;

    [ThreadStatic] private static bool t_inWorker;

    /// <summary>The most threads a kernel uses (default: the processor count). Must be at least 1.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), $"Parallelism.MaxThreads must be at least 1, got {value}.");
            s_maxThreads = value;
        }
    }

    /// <summary>The threads a kernel starting on this thread may use: 1 inside another kernel's worker, else <see cref="MaxThreads"/>.</summary>
    internal static int Available => t_inWorker ? 1 : s_maxThreads;

    /// <summary>Whether this thread is running a parallel kernel's work item (set by <c>WorkerPool</c> on its workers and on a caller running items).</summary>
    internal static bool InWorker
    {
        get => t_inWorker;
        set => t_inWorker = value;
    }
}
