namespace Cajal.Kernels;

/// <summary>Splits a loop over independent items into contiguous chunks, one per thread, when the work is large.</summary>
internal static class Partition
{
    /// <summary>Below this many element operations a loop runs on the calling thread.</summary>
    public const long MinParallelWork = 1 << 17;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over [0, <paramref name="count"/>) in at most
    /// <see cref="Parallelism.Available"/> chunks; items must write disjoint memory. Kernels that the body calls run
    /// single-threaded on the worker (no nested parallelism). The chunks are ⌈count / threads⌉ items long and run on
    /// <see cref="WorkerPool"/>; an exception from the body reaches the caller unwrapped.
    /// </summary>
    public static void For(int count, long totalWork, Action<int, int> body)
    {
        // The work first: Available reads a thread-static field, a call on Linux, and most loops are small.
        int threads = totalWork < MinParallelWork ? 1 : Math.Min(Parallelism.Available, count);
        if (threads <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        WorkerPool.RunChunks(count, threads, body);
    }
}
