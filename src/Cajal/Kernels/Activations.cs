using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cajal.Kernels;

/// <summary>Maps one span to another.</summary>
internal delegate void SpanMap<T>(ReadOnlySpan<T> x, Span<T> y);

/// <summary>Maps (input, upstream gradient) to the input's gradient.</summary>
internal delegate void SpanGrad<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> grad, Span<T> dx);

/// <summary>Activation functions without a BCL primitive, and their derivatives, following PyTorch's formulas.</summary>
internal static class Activations
{
    private const double SqrtHalf = 0.70710678118654752440;          // 1/√2
    private const double InvSqrt2Pi = 0.39894228040143267794;        // 1/√(2π)
    private const double TanhBeta = 0.79788456080286535588;          // √(2/π)
    private const double TanhKappa = 0.044715;

    /// <summary>
    /// ReLU lane by lane, with <see cref="UnaryOp.Relu"/>'s bits: x where x &gt; 0 or x is NaN, else +0 (so −0 becomes
    /// +0). For kernels that apply it on their registers before storing (the GEMM's and the direct convolution's
    /// epilogues).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ReluLanes<T>(Vector512<T> x) where T : unmanaged
    {
        var zero = Vector512<T>.Zero;
        return Vector512.ConditionalSelect(
            Vector512.GreaterThan(x, zero) | ~Vector512.Equals(x, x), x, zero);
    }

    /// <summary>dx = y &gt; 0 ? g : 0 from ReLU's output y, one pass.</summary>
    /// <remarks>0 at y = 0, as PyTorch; also 0 at y = NaN, where PyTorch's threshold_backward (y ≤ 0 ? 0 : g) passes g on.</remarks>
    public static void ReluBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        System.Diagnostics.Debug.Assert(g.Length >= y.Length && dx.Length >= y.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T gr = ref MemoryMarshal.GetReference(g);
            ref T dr = ref MemoryMarshal.GetReference(dx);
            for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var positive = Vector.GreaterThan(Vector.LoadUnsafe(ref yr, (nuint)i), Vector<T>.Zero);
                Vector.ConditionalSelect(positive, Vector.LoadUnsafe(ref gr, (nuint)i), Vector<T>.Zero).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < y.Length; i++) dx[i] = y[i] > T.Zero ? g[i] : T.Zero;
    }

    /// <summary>dx = g·(1 − y)·y from the sigmoid's output y, one pass, rounded after each operation in that order (ATen's sigmoid_backward).</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        System.Diagnostics.Debug.Assert(g.Length >= y.Length && dx.Length >= y.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T gr = ref MemoryMarshal.GetReference(g);
            ref T dr = ref MemoryMarshal.GetReference(dx);
            for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var yv = Vector.LoadUnsafe(ref yr, (nuint)i);
                (Vector.LoadUnsafe(ref gr, (nuint)i) * (Vector<T>.One - yv) * yv).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < y.Length; i++) dx[i] = g[i] * (T.One - y[i]) * y[i];
    }

    /// <summary>dx = g·(1 − y·y) from tanh's output y, one pass, rounded after each operation in that order (ATen's tanh_backward).</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        System.Diagnostics.Debug.Assert(g.Length >= y.Length && dx.Length >= y.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref T yr = ref MemoryMarshal.GetReference(y);
            ref T gr = ref MemoryMarshal.GetReference(g);
            ref T dr = ref MemoryMarshal.GetReference(dx);
            for (; i <= y.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var yv = Vector.LoadUnsafe(ref yr, (nuint)i);
                (Vector.LoadUnsafe(ref gr, (nuint)i) * (Vector<T>.One - yv * yv)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < y.Length; i++) dx[i] = g[i] * (T.One - y[i] * y[i]);
    }

    public static void LeakyRelu<T>(ReadOnlySpan<T> x, Span<T> y, T slope) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : x[i] * slope;
    }

    /// <summary>d/dx = 1 for x &gt; 0, else the slope (so the slope at 0, as PyTorch).</summary>
    public static void LeakyReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, T slope) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : g[i] * slope;
    }

    /// <summary>x for x &gt; 0, else α(eˣ − 1).</summary>
    public static void Elu<T>(ReadOnlySpan<T> x, Span<T> y, T alpha) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = x[i] > T.Zero ? x[i] : alpha * T.CreateTruncating(Special.ExpM1(double.CreateTruncating(x[i])));
    }

    /// <summary>d/dx = 1 for x &gt; 0, else α·eˣ (α at 0).</summary>
    public static void EluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, T alpha) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > T.Zero ? g[i] : g[i] * alpha * T.Exp(x[i]);
    }

    /// <summary>GELU: x·Φ(x) with the exact erf, or the tanh approximation 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static void Gelu<T>(ReadOnlySpan<T> x, Span<T> y, bool tanh) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            double r = tanh
                ? 0.5 * v * (1.0 + Math.Tanh(TanhBeta * (v + TanhKappa * v * v * v)))
                : v * 0.5 * (1.0 + Special.Erf(v * SqrtHalf));
            y[i] = T.CreateTruncating(r);
        }
    }

    /// <summary>Exact: Φ(x) + x·φ(x). Tanh form: 0.5(1 + t) + 0.5x(1 − t²)·√(2/π)(1 + 3·0.044715x²).</summary>
    public static void GeluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, bool tanh) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            double d;
            if (tanh)
            {
                double inner = TanhBeta * (v + TanhKappa * v * v * v);
                double t = Math.Tanh(inner);
                d = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * TanhBeta * (1.0 + 3.0 * TanhKappa * v * v);
            }
            else
            {
                double cdf = 0.5 * (1.0 + Special.Erf(v * SqrtHalf));
                double pdf = Math.Exp(-0.5 * v * v) * InvSqrt2Pi;
                d = cdf + v * pdf;
            }
            dx[i] = g[i] * T.CreateTruncating(d);
        }
    }

    /// <summary>x where βx &gt; threshold, else log(1 + e^(βx))/β.</summary>
    public static void Softplus<T>(ReadOnlySpan<T> x, Span<T> y, double beta, double threshold) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            y[i] = v * beta > threshold ? x[i] : T.CreateTruncating(Special.Log1P(Math.Exp(v * beta)) / beta);
        }
    }

    /// <summary>d/dx = 1 where βx &gt; threshold, else e^(βx)/(e^(βx) + 1) = σ(βx).</summary>
    public static void SoftplusBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> dx, double beta, double threshold) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            if (v * beta > threshold) { dx[i] = g[i]; continue; }
            double z = Math.Exp(v * beta);
            dx[i] = T.CreateTruncating(double.CreateTruncating(g[i]) * z / (z + 1.0));
        }
    }
}
