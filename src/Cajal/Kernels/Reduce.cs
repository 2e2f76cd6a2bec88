using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>Reductions along one axis of a contiguous array viewed as (outer, length, inner).</summary>
internal static class Reduce
{
    /// <summary>dst[o, i] = Σ_r src[o, r, i]. src is (outer, length, inner), dst is (outer, inner).</summary>
    public static void SumAxis<T>(ReadOnlySpan<T> src, int outer, int length, int inner, Span<T> dst) where T : unmanaged, INumber<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TensorPrimitives.Sum(src.Slice(o * length, length));
            return;
        }
        dst[..(outer * inner)].Clear();
        for (int o = 0; o < outer; o++)
        {
            var acc = dst.Slice(o * inner, inner);
            for (int r = 0; r < length; r++)
                TensorPrimitives.Add(acc, src.Slice((o * length + r) * inner, inner), acc);
        }
    }

    /// <summary>
    /// Max (or min) along the axis, with the index of the first extreme; NaN counts as the extreme, as in PyTorch.
    /// </summary>
    public static void ExtremeAxis<T>(ReadOnlySpan<T> src, int outer, int length, int inner, Span<T> values, Span<long> indices, bool max)
        where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * length * inner + i;
                T best = src[baseIndex];
                int bestR = 0;
                for (int r = 1; r < length && !T.IsNaN(best); r++)
                {
                    T v = src[baseIndex + r * inner];
                    if (T.IsNaN(v) || (max ? v > best : v < best))
                    {
                        best = v;
                        bestR = r;
                    }
                }
                values[o * inner + i] = best;
                indices[o * inner + i] = bestR;
            }
        }
    }
}

/// <summary>Scatters along one axis: the backward of a reduction that picked one element per row.</summary>
internal static class Scatter
{
    /// <summary>dst[o, index[o, i], i] += src[o, i]; dst is (outer, length, inner), src and index are (outer, inner).</summary>
    public static void AddAxis<T>(ReadOnlySpan<T> src, ReadOnlySpan<long> index, int outer, int length, int inner, Span<T> dst)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                dst[(o * length + (int)index[o * inner + i]) * inner + i] += src[o * inner + i];
    }
}
