using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Cajal.Kernels;

/// <summary>
/// Batch normalisation over contiguous (N, C, L) arrays (L = H·W, or 1): per-channel statistics, the normalising
/// affine map, and the analytic backward, each one or two passes over the data and parallel over channels.
/// </summary>
/// <remarks>
/// Channel c is the N rows x[(n·C + c)·L .. +L). Per-channel sums are taken per row in T (vectorised) and added across
/// rows in double; the per-channel scalars are computed in double and rounded to T once.
/// </remarks>
internal static class BatchNormKernels
{
    /// <summary>Element operations per element of x for the cost model of <see cref="Partition.For"/>.</summary>
    private const int WorkPerElement = 4;

    /// <summary>
    /// mean[c] = Σ x / (N·L) and variance[c] = Σ (x − mean)² / (N·L) (biased), two passes. x (N, C, L) from
    /// <paramref name="xOffset"/>; mean, variance (C).
    /// </summary>
    public static void Statistics<T>(T[] x, int xOffset, int n, int c, int l, double[] mean, double[] variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length >= xOffset + (long)n * c * l && mean.Length >= c && variance.Length >= c);
        double count = (double)n * l;
        Partition.For(c, (long)n * c * l * WorkPerElement, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += double.CreateTruncating(RowSum<T>(x.AsSpan(xOffset + (i * c + ch) * l, l)));
                double m = sum / count;
                T mt = T.CreateTruncating(m);
                double squares = 0;
                for (int i = 0; i < n; i++) squares += RowSquaredDeviation<T>(x.AsSpan(xOffset + (i * c + ch) * l, l), mt);
                // Deviations were taken from m rounded to T; correct for the offset d = mean − mt: Σ(x − mt)² − count·d².
                double d = m - double.CreateTruncating(mt);
                mean[ch] = m;
                variance[ch] = Math.Max(squares / count - d * d, 0);
            }
        });
    }

    /// <summary>
    /// y = (x − mean[c]) / std[c] · weight[c] + bias[c] over x (N, C, L) from <paramref name="xOffset"/>; y from index 0.
    /// </summary>
    /// <remarks>
    /// Written as the composite ((x − μ)/σ)·γ + β, so with γ = 1 and β = 0 the result is bit-for-bit (x − μ)/σ.
    /// </remarks>
    public static void Normalize<T>(T[] x, int xOffset, T[] y, int n, int c, int l, T[] mean, T[] std, T[] weight, T[] bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length >= xOffset + (long)n * c * l && y.Length >= (long)n * c * l);
        Partition.For(c, (long)n * c * l * WorkPerElement, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
                for (int i = 0; i < n; i++)
                {
                    int at = (i * c + ch) * l;
                    RowNormalize<T>(x.AsSpan(xOffset + at, l), y.AsSpan(at, l), mean[ch], std[ch], weight[ch], bias[ch]);
                }
        });
    }

    /// <summary>
    /// The gradients of <see cref="Normalize{T}"/> given dy (N, C, L): dWeight[c] = Σ dy·x̂, dBias[c] = Σ dy with
    /// x̂ = (x − mean)/std, and, when <paramref name="dx"/> is not null, dx (from index 0).
    /// </summary>
    /// <remarks>
    /// <para>Training (batch statistics, which depend on x): dx = (γ/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)), means over the
    /// N·L values of the channel.</para>
    /// <para>Evaluation (running statistics, constants): dx = (γ/σ)·dy.</para>
    /// </remarks>
    public static void Backward<T>(T[] x, int xOffset, T[] dy, int dyOffset, T[]? dx, int n, int c, int l,
        T[] mean, T[] std, T[] weight, bool training, double[] dWeight, double[] dBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(x.Length >= xOffset + (long)n * c * l && dy.Length >= dyOffset + (long)n * c * l);
        double count = (double)n * l;
        Partition.For(c, (long)n * c * l * 2 * WorkPerElement, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double sumDy = 0, dot = 0;   // Σ dy and Σ dy·(x − μ)
                for (int i = 0; i < n; i++)
                {
                    int at = (i * c + ch) * l;
                    var (s, d) = RowGradientSums<T>(x.AsSpan(xOffset + at, l), dy.AsSpan(dyOffset + at, l), mean[ch]);
                    sumDy += s;
                    dot += d;
                }
                double sigma = double.CreateTruncating(std[ch]), gamma = double.CreateTruncating(weight[ch]);
                dBias[ch] = sumDy;
                dWeight[ch] = dot / sigma;
                if (dx is null) continue;
                // dx = k·(dy − mean(dy) − (x − μ)·proj) with k = γ/σ and proj = mean(dy·x̂)/σ = Σ dy·(x − μ)/(count·σ²).
                T k = T.CreateTruncating(gamma / sigma);
                T meanDy = training ? T.CreateTruncating(sumDy / count) : T.Zero;
                T proj = training ? T.CreateTruncating(dot / (count * sigma * sigma)) : T.Zero;
                for (int i = 0; i < n; i++)
                {
                    int at = (i * c + ch) * l;
                    RowInputGradient<T>(x.AsSpan(xOffset + at, l), dy.AsSpan(dyOffset + at, l), dx.AsSpan(at, l), mean[ch], meanDy, proj, k);
                }
            }
        });
    }

    /// <summary>Σ x, vectorised.</summary>
    internal static T RowSum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            var acc = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count) acc += Vector.LoadUnsafe(ref xr, (nuint)i);
            sum = Vector.Sum(acc);
        }
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    /// <summary>Σ (x − m)², vectorised, returned in double.</summary>
    internal static double RowSquaredDeviation<T>(ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            var mv = new Vector<T>(m);
            var acc = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var d = Vector.LoadUnsafe(ref xr, (nuint)i) - mv;
                acc += d * d;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < x.Length; i++)
        {
            T d = x[i] - m;
            sum += d * d;
        }
        return double.CreateTruncating(sum);
    }

    /// <summary>y = (x − m)/s·g + b, vectorised.</summary>
    internal static void RowNormalize<T>(ReadOnlySpan<T> x, Span<T> y, T m, T s, T g, T b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(y.Length >= x.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T yr = ref MemoryMarshal.GetReference(y);
            Vector<T> mv = new(m), sv = new(s), gv = new(g), bv = new(b);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                ((Vector.LoadUnsafe(ref xr, (nuint)i) - mv) / sv * gv + bv).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = (x[i] - m) / s * g + b;
    }

    /// <summary>(Σ dy, Σ dy·(x − m)), vectorised, in double.</summary>
    internal static (double SumDy, double Dot) RowGradientSums<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(dy.Length >= x.Length);
        int i = 0;
        T sum = T.Zero, dot = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T gr = ref MemoryMarshal.GetReference(dy);
            var mv = new Vector<T>(m);
            Vector<T> sumV = Vector<T>.Zero, dotV = Vector<T>.Zero;
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = Vector.LoadUnsafe(ref gr, (nuint)i);
                sumV += g;
                dotV += g * (Vector.LoadUnsafe(ref xr, (nuint)i) - mv);
            }
            sum = Vector.Sum(sumV);
            dot = Vector.Sum(dotV);
        }
        for (; i < x.Length; i++)
        {
            sum += dy[i];
            dot += dy[i] * (x[i] - m);
        }
        return (double.CreateTruncating(sum), double.CreateTruncating(dot));
    }

    /// <summary>dx = k·(dy − meanDy − (x − m)·proj), vectorised.</summary>
    internal static void RowInputGradient<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, T m, T meanDy, T proj, T k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(dy.Length >= x.Length && dx.Length >= x.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            ref T xr = ref MemoryMarshal.GetReference(x);
            ref T gr = ref MemoryMarshal.GetReference(dy);
            ref T dr = ref MemoryMarshal.GetReference(dx);
            Vector<T> mv = new(m), meanDyV = new(meanDy), projV = new(proj), kv = new(k);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var xv = Vector.LoadUnsafe(ref xr, (nuint)i);
                var gv = Vector.LoadUnsafe(ref gr, (nuint)i);
                ((gv - meanDyV - (xv - mv) * projV) * kv).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++) dx[i] = (dy[i] - meanDy - (x[i] - m) * proj) * k;
    }
}
