using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>
/// The fixed runs in which a convolution's weight gradient is summed, so that it does not depend on the thread count:
/// the items (images, or chunks of images) are dealt in order into at most <see cref="MaxRuns"/> runs, each run sums its
/// items into a partial of its own (run 0 straight into dw), the runs go to the threads in any order, and the partials
/// are added to dw in run order. The runs depend only on the number of items.
/// </summary>
internal sealed class WeightRuns<T> where T : unmanaged, INumber<T>
{
    /// <summary>The most runs, whatever the thread count.</summary>
    public const int MaxRuns = 8;

    private readonly T[] _dw;
    private readonly T[]? _partials;
    private readonly int _items, _size;

    private WeightRuns(int items, int size, T[] dw, T[]? partials, int runs) =>
        (_items, _size, _dw, _partials, Count) = (items, size, dw, partials, runs);

    /// <summary>The number of runs.</summary>
    public int Count { get; }

    /// <summary>The items [First, End) of run <paramref name="run"/>.</summary>
    public (int First, int End) Items(int run) =>
        ((int)((long)_items * run / Count), (int)((long)_items * (run + 1) / Count));

    /// <summary>Where run <paramref name="run"/> sums: dw itself for run 0, its own zeroed partial otherwise.</summary>
    public (T[] Array, int Offset) Target(int run) => run == 0 ? (_dw, 0) : (_partials!, (run - 1) * _size);

    /// <summary>
    /// Clears dw[..size], lets <paramref name="sumRuns"/> sum every run exactly once (on whatever threads it chooses),
    /// then adds the partials to dw in run order.
    /// </summary>
    public static void Sum(int items, int size, T[] dw, Action<WeightRuns<T>> sumRuns)
    {
        dw.AsSpan(0, size).Clear();
        int runs = Math.Clamp(items, 1, MaxRuns);
        var partials = runs > 1 ? ArrayPool<T>.Shared.Rent((runs - 1) * size) : null;
        try
        {
            if (partials is not null) partials.AsSpan(0, (runs - 1) * size).Clear();
            sumRuns(new WeightRuns<T>(items, size, dw, partials, runs));
            for (int run = 1; run < runs; run++)
                TensorPrimitives.Add(dw.AsSpan(0, size), partials.AsSpan((run - 1) * size, size), dw.AsSpan(0, size));
        }
        finally
        {
            if (partials is not null) ArrayPool<T>.Shared.Return(partials);
        }
    }
}
