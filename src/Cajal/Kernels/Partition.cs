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

    /// <summary>
    /// Runs <paramref name="slice"/>(start, end) over [0, <paramref name="length"/>) in slices that start on multiples of
    /// 64 elements, one per thread when <paramref name="totalWork"/> reaches <see cref="MinParallelWork"/>, else in one
    /// call. For element-wise kernels whose result for an element does not depend on where the slices fall: IEEE basic
    /// operations, comparisons, selects and scalar loops (not TensorPrimitives' transcendental functions, whose vector
    /// and scalar paths may differ in the last bit).
    /// </summary>
    /// <remarks>
    /// Memory-bound passes gain from a second core: ReLU over LeNet's first activations (301,056 floats), preallocated,
    /// took 68–76 µs on one thread and 40–41 on two (stop 12). Callers test the size first, so small tensors (the
    /// article's) do not allocate the closure.
    /// </remarks>
    public static void ForSlices(int length, long totalWork, Action<int, int> slice)
    {
        const int Align = 64;
        For((length + Align - 1) / Align, totalWork, (first, last) => slice(first * Align, Math.Min(length, last * Align)));
    }
}
