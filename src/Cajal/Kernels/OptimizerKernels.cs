using System.Diagnostics;
using System.Numerics;

namespace Cajal.Kernels;

/// <summary>
/// Fused, in-place optimizer updates over contiguous spans (float32 and float64): one pass per parameter,
/// no temporaries. Each element follows PyTorch 1.13's single-tensor rule operation by operation, in the
/// same order and in the parameter's own precision (scalars are rounded to the element type first,
/// as ATen does), so results agree with PyTorch to the last bit or two.
/// </summary>
/// <remarks>
/// Every kernel has a <see cref="Vector{T}"/> body and a scalar tail. The two compute the same IEEE
/// operations in the same order (the JIT never fuses a·b + c into an FMA), so the vector body gives
/// bit-identical results to the scalar loop; the tests check this for every tail length.
/// </remarks>
internal static class OptimizerKernels
{
    /// <summary>
    /// Runs <paramref name="slice"/>(start, end) over [0, <paramref name="length"/>) split over the threads for large
    /// parameters (<see cref="Partition.ForSlices"/>: updates are memory-bound, and two cores read memory faster than
    /// one). Every element gets the same operations wherever the slices fall (see the class remarks).
    /// </summary>
    public static void ForSlices(int length, Action<int, int> slice) => Partition.ForSlices(length, 4L * length, slice);

    /// <summary>
    /// SGD: d = ±g (+ wd·p); with momentum b = d on the first step, else b = μ·b + (1 − dampening)·d, flushed to a zero
    /// of its sign where subnormal (<see cref="FlushSubnormal{T}(T)"/>), and d = d + μ·b (Nesterov) or d = b; then
    /// p = p + (−lr)·d.
    /// </summary>
    /// <param name="p">The parameter, updated in place.</param>
    /// <param name="g">Its gradient.</param>
    /// <param name="buf">The momentum buffer (same length), or empty when momentum is 0.</param>
    /// <param name="negLr">−lr.</param>
    /// <param name="weightDecay">wd; skipped when 0.</param>
    /// <param name="momentum">μ.</param>
    /// <param name="oneMinusDampening">1 − dampening, computed in double and rounded to T.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="maximize">Ascend instead of descend (negate g).</param>
    /// <param name="firstStep">The buffer is initialised to d (no dampening) instead of updated.</param>
    public static void Sgd<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> buf, T negLr, T weightDecay, T momentum, T oneMinusDampening,
        bool nesterov, bool maximize, bool firstStep) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(g.Length == p.Length && (buf.IsEmpty || buf.Length == p.Length));
        bool decay = weightDecay != T.Zero, hasBuf = !buf.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vNegLr = new Vector<T>(negLr); var vWd = new Vector<T>(weightDecay);
            var vMom = new Vector<T>(momentum); var vDamp = new Vector<T>(oneMinusDampening);
            var vMinNormal = new Vector<T>(MinNormal<T>()); var vSign = new Vector<T>(T.NegativeZero);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var d = new Vector<T>(g[i..]);
                if (maximize) d = -d;
                if (decay) d += vWd * vp;
                if (hasBuf)
                {
                    var b = FlushSubnormal(firstStep ? d : new Vector<T>(buf[i..]) * vMom + vDamp * d, vMinNormal, vSign);
                    b.CopyTo(buf[i..]);
                    d = nesterov ? d + vMom * b : b;
                }
                (vp + vNegLr * d).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            T d = maximize ? -g[i] : g[i];
            if (decay) d += weightDecay * p[i];
            if (hasBuf)
            {
                buf[i] = FlushSubnormal(firstStep ? d : buf[i] * momentum + oneMinusDampening * d);
                d = nesterov ? d + momentum * buf[i] : buf[i];
            }
            p[i] += negLr * d;
        }
    }

    /// <summary>The smallest positive normal number of T (2⁻¹²⁶ for float, 2⁻¹⁰²² for double).</summary>
    internal static T MinNormal<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308);

    /// <summary>
    /// x, or a zero with x's sign where x is subnormal (0 &lt; |x| &lt; <see cref="MinNormal{T}"/>): what a CPU's
    /// flush-to-zero mode does to a result. NaN, infinities, zeros and normal numbers pass unchanged.
    /// </summary>
    /// <remarks>
    /// <para>Why the momentum buffer: where a weight's gradient is exactly zero step after step (a dead ReLU unit's
    /// weights, an image border that is always black), b = μ·b decays into the subnormal range and stays there, since
    /// rounding μ·k·2⁻¹⁴⁹ to the nearest subnormal gives k·2⁻¹⁴⁹ back for small k (k ≤ 4 at μ = 0.9). Every later step
    /// then does subnormal arithmetic on it, which x86 cores run through slow microcode assists. Measured in the
    /// LeNet benchmark's training (Fashion-MNIST, SGD lr 0.05, μ 0.9): after the first epoch 19,000–20,000 of the
    /// 61,706 buffer values were subnormal, and <c>Sgd.Step</c> took 330–365 µs a step against 73–77 µs late in the
    /// first epoch. PyTorch behaves the same unless <c>torch.set_flush_denormal(True)</c>.</para>
    /// <para>The parameters are unchanged by the flush: with |lr| ≤ 1 and |μ| ≤ 1 a subnormal b moves p by at most 2⁻¹²⁶
    /// (float), less than half an ulp of any |p| ≥ 2⁻¹⁰¹ ≈ 4·10⁻³¹, so p + (−lr)·b rounds to p exactly as p + (−lr)·0
    /// does; likewise the next b = μ·b + (1 − dampening)·d rounds to (1 − dampening)·d for such d. Only the buffer
    /// itself, as saved in a checkpoint, differs from PyTorch's: 0 instead of a value below 1.2·10⁻³⁸.</para>
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static T FlushSubnormal<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.IsSubnormal(x) ? T.CopySign(T.Zero, x) : x;

    /// <summary><see cref="FlushSubnormal{T}(T)"/> lane by lane: |x| &lt; min normal (false for NaN) keeps only the sign bit.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector<T> FlushSubnormal<T>(Vector<T> x, Vector<T> minNormal, Vector<T> sign) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), minNormal), x & sign, x);

    /// <summary>
    /// Adam / AdamW: d = ±g; p = p·decay (AdamW); d = d + wd·p (Adam's L2); m = β1·m + (1−β1)·d;
    /// v = β2·v + ((1−β2)·d)·d; v̂ = max(v̂, v) with AMSGrad; p = p + ((−step)·m) / (√v̂ / √bc2 + eps).
    /// </summary>
    /// <param name="p">The parameter, updated in place.</param>
    /// <param name="g">Its gradient.</param>
    /// <param name="m">First moment (exp_avg).</param>
    /// <param name="v">Second moment (exp_avg_sq).</param>
    /// <param name="vMax">AMSGrad's running maximum of v (max_exp_avg_sq), or empty.</param>
    /// <param name="s">The step's scalars.</param>
    public static void Adam<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, Span<T> vMax, in AdamScalars<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(g.Length == p.Length && m.Length == p.Length && v.Length == p.Length && (vMax.IsEmpty || vMax.Length == p.Length));
        bool l2 = s.WeightDecay != T.Zero, amsgrad = !vMax.IsEmpty, decoupled = s.Decoupled;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var decay = new Vector<T>(s.DecoupledDecay); var wd = new Vector<T>(s.WeightDecay);
            var b1 = new Vector<T>(s.Beta1); var c1 = new Vector<T>(s.OneMinusBeta1);
            var b2 = new Vector<T>(s.Beta2); var c2 = new Vector<T>(s.OneMinusBeta2);
            var bc2 = new Vector<T>(s.BiasCorrection2Sqrt); var eps = new Vector<T>(s.Eps); var step = new Vector<T>(s.NegStepSize);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var d = new Vector<T>(g[i..]);
                if (s.Maximize) d = -d;
                if (decoupled) vp *= decay;
                if (l2) d += wd * vp;
                var vm = new Vector<T>(m[i..]) * b1 + c1 * d;
                var vv = new Vector<T>(v[i..]) * b2 + c2 * d * d;
                vm.CopyTo(m[i..]);
                vv.CopyTo(v[i..]);
                if (amsgrad)
                {
                    var old = new Vector<T>(vMax[i..]);
                    // max that propagates NaN, as torch.maximum
                    vv = Vector.ConditionalSelect(Vector.Equals(old, old) & Vector.Equals(vv, vv), Vector.Max(old, vv), old + vv);
                    vv.CopyTo(vMax[i..]);
                }
                var denom = Vector.SquareRoot(vv) / bc2 + eps;
                (vp + step * vm / denom).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            T d = s.Maximize ? -g[i] : g[i];
            if (decoupled) p[i] *= s.DecoupledDecay;
            if (l2) d += s.WeightDecay * p[i];
            m[i] = m[i] * s.Beta1 + s.OneMinusBeta1 * d;
            v[i] = v[i] * s.Beta2 + s.OneMinusBeta2 * d * d;
            T second = v[i];
            if (amsgrad) second = vMax[i] = T.IsNaN(vMax[i]) || T.IsNaN(second) ? vMax[i] + second : T.Max(vMax[i], second);
            T denom = T.Sqrt(second) / s.BiasCorrection2Sqrt + s.Eps;
            p[i] += s.NegStepSize * m[i] / denom;
        }
    }

    /// <summary>
    /// RMSprop: d = ±g (+ wd·p); s = α·s + ((1−α)·d)·d; centered: a = α·a + (1−α)·d, avg = √(s − a·a), else √s;
    /// avg += eps; with momentum b = μ·b + d/avg and p = p + (−lr)·b, otherwise p = p + ((−lr)·d)/avg.
    /// </summary>
    /// <param name="p">The parameter, updated in place.</param>
    /// <param name="g">Its gradient.</param>
    /// <param name="square">square_avg.</param>
    /// <param name="gradAvg">grad_avg (centered), or empty.</param>
    /// <param name="buf">momentum_buffer (momentum &gt; 0), or empty.</param>
    /// <param name="s">The step's scalars.</param>
    public static void RmsProp<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> square, Span<T> gradAvg, Span<T> buf, in RmsPropScalars<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(g.Length == p.Length && square.Length == p.Length);
        bool decay = s.WeightDecay != T.Zero, centered = !gradAvg.IsEmpty, hasBuf = !buf.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wd = new Vector<T>(s.WeightDecay); var alpha = new Vector<T>(s.Alpha); var c = new Vector<T>(s.OneMinusAlpha);
            var eps = new Vector<T>(s.Eps); var mom = new Vector<T>(s.Momentum); var negLr = new Vector<T>(s.NegLr);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var d = new Vector<T>(g[i..]);
                if (s.Maximize) d = -d;
                if (decay) d += wd * vp;
                var sq = new Vector<T>(square[i..]) * alpha + c * d * d;
                sq.CopyTo(square[i..]);
                Vector<T> avg;
                if (centered)
                {
                    var a = new Vector<T>(gradAvg[i..]) * alpha + c * d;
                    a.CopyTo(gradAvg[i..]);
                    avg = Vector.SquareRoot(sq - a * a);
                }
                else
                {
                    avg = Vector.SquareRoot(sq);
                }
                avg += eps;
                if (hasBuf)
                {
                    var b = new Vector<T>(buf[i..]) * mom + d / avg;
                    b.CopyTo(buf[i..]);
                    (vp + negLr * b).CopyTo(p[i..]);
                }
                else
                {
                    (vp + negLr * d / avg).CopyTo(p[i..]);
                }
            }
        }
        for (; i < p.Length; i++)
        {
            T d = s.Maximize ? -g[i] : g[i];
            if (decay) d += s.WeightDecay * p[i];
            square[i] = square[i] * s.Alpha + s.OneMinusAlpha * d * d;
            T avg;
            if (centered)
            {
                gradAvg[i] = gradAvg[i] * s.Alpha + s.OneMinusAlpha * d;
                avg = T.Sqrt(square[i] - gradAvg[i] * gradAvg[i]);
            }
            else
            {
                avg = T.Sqrt(square[i]);
            }
            avg += s.Eps;
            if (hasBuf)
            {
                buf[i] = buf[i] * s.Momentum + d / avg;
                p[i] += s.NegLr * buf[i];
            }
            else
            {
                p[i] += s.NegLr * d / avg;
            }
        }
    }

    /// <summary>Adagrad: d = ±g (+ wd·p); S = S + d·d; p = p + ((−clr)·d) / (√S + eps).</summary>
    /// <param name="p">The parameter, updated in place.</param>
    /// <param name="g">Its gradient.</param>
    /// <param name="sum">The accumulated squares S.</param>
    /// <param name="negClr">−lr/(1 + (t−1)·lr_decay).</param>
    /// <param name="eps">eps.</param>
    /// <param name="weightDecay">wd; skipped when 0.</param>
    /// <param name="maximize">Ascend instead of descend.</param>
    public static void Adagrad<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> sum, T negClr, T eps, T weightDecay, bool maximize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(g.Length == p.Length && sum.Length == p.Length);
        bool decay = weightDecay != T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wd = new Vector<T>(weightDecay); var vEps = new Vector<T>(eps); var clr = new Vector<T>(negClr);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var d = new Vector<T>(g[i..]);
                if (maximize) d = -d;
                if (decay) d += wd * vp;
                var s = new Vector<T>(sum[i..]) + d * d;
                s.CopyTo(sum[i..]);
                (vp + clr * d / (Vector.SquareRoot(s) + vEps)).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            T d = maximize ? -g[i] : g[i];
            if (decay) d += weightDecay * p[i];
            sum[i] += d * d;
            p[i] += negClr * d / (T.Sqrt(sum[i]) + eps);
        }
    }

    /// <summary>Σ x² accumulated in double (for gradient-norm clipping).</summary>
    public static double SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        foreach (var v in x) { double d = double.CreateTruncating(v); total += d * d; }
        return total;
    }

    /// <summary>Σ |x|^p accumulated in double.</summary>
    public static double SumOfPowers<T>(ReadOnlySpan<T> x, double power) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        foreach (var v in x) total += Math.Pow(Math.Abs(double.CreateTruncating(v)), power);
        return total;
    }

    /// <summary>max |x|, NaN if any element is NaN; 0 for an empty span.</summary>
    public static double MaxAbs<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double best = 0;
        foreach (var v in x)
        {
            double a = Math.Abs(double.CreateTruncating(v));
            if (double.IsNaN(a)) return double.NaN;
            if (a > best) best = a;
        }
        return best;
    }

    /// <summary>x = x·factor in place.</summary>
    public static void Scale<T>(Span<T> x, T factor) where T : unmanaged, IFloatingPointIeee754<T> =>
        System.Numerics.Tensors.TensorPrimitives.Multiply(x, factor, x);

    /// <summary>x = clamp(x, lo, hi) in place; NaN stays NaN, as torch.clamp.</summary>
    public static void Clamp<T>(Span<T> x, T lo, T hi) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            if (v < lo) x[i] = lo;
            else if (v > hi) x[i] = hi;
        }
    }
}

/// <summary>The per-step scalars of <see cref="OptimizerKernels.Adam"/>, rounded to the parameter's type.</summary>
internal readonly record struct AdamScalars<T>(
    T Beta1, T OneMinusBeta1, T Beta2, T OneMinusBeta2, T Eps, T WeightDecay,
    bool Decoupled, T DecoupledDecay, T NegStepSize, T BiasCorrection2Sqrt, bool Maximize)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The per-step scalars of <see cref="OptimizerKernels.RmsProp"/>, rounded to the parameter's type.</summary>
internal readonly record struct RmsPropScalars<T>(
    T Alpha, T OneMinusAlpha, T Eps, T WeightDecay, T Momentum, T NegLr, bool Maximize)
    where T : unmanaged, IFloatingPointIeee754<T>;
