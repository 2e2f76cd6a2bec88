namespace Cajal;

/// <summary>The intra-op thread setting shared by every parallel kernel.</summary>
/// <remarks>
/// Kernels split large problems over at most <see cref="MaxThreads"/> threads. Results do not depend on
/// it: each output element is computed by the same sequence of operations on any thread count.
/// </remarks>
public static class Parallelism
{
    private static int s_maxThreads = Environment.ProcessorCount;

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
}
