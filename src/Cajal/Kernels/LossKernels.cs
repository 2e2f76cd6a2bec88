using System.Numerics;

namespace Cajal.Kernels;

/// <summary>
/// Loss kernels: the fused log-softmax + NLL of cross-entropy, NLL, binary cross-entropy (plain and with
/// logits), smooth L1/Huber and KL divergence, each with its backward, following PyTorch 1.13's formulas.
/// </summary>
/// <remarks>
/// Class-index kernels see the input as (outer, classes, inner): outer = N, inner = d1·…·dk, so element
/// [n, c, j] lies at (n·classes + c)·inner + j and target/loss position [n, j] at n·inner + j. An empty
/// weight span means "all ones". Arithmetic is in double for both float and double tensors.
/// </remarks>
internal static class LossKernels
{
    /// <summary>The index of the first target that is neither in [0, classes) nor ignoreIndex, or −1.</summary>
    public static int FindBadTarget(ReadOnlySpan<long> target, int classes, long ignoreIndex)
    {
        for (int i = 0; i < target.Length; i++)
            if (target[i] != ignoreIndex && (target[i] < 0 || target[i] >= classes)) return i;
        return -1;
    }

    /// <summary>The index of the first value outside [0, 1] (NaN included), or −1.</summary>
    public static int FindOutsideUnitInterval<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= T.Zero && values[i] <= T.One)) return i;
        return -1;
    }

    /// <summary>Σ over positions that are not ignored of w[target] (their count without weights): the "mean" denominator.</summary>
    public static double TargetWeightSum(ReadOnlySpan<long> target, ReadOnlySpan<double> weight, long ignoreIndex)
    {
        double total = 0;
        foreach (long t in target)
            if (t != ignoreIndex) total += weight.IsEmpty ? 1.0 : weight[(int)t];
        return total;
    }

    // ---------------------------------------------------------------- cross-entropy (fused log-softmax + NLL)

    /// <summary>
    /// Per position: lp = x − max − log Σ exp(x − max) over the classes;
    /// loss = (1 − ε)·(−w[t]·lp[t]) + (ε/C)·(−Σ_c w[c]·lp[c]), 0 where t = ignoreIndex.
    /// </summary>
    /// <remarks>x is (outer, classes, inner); target, loss, max and logSum are (outer, inner).
    /// max and logSum are kept for the backward.</remarks>
    public static void CrossEntropyForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> target, ReadOnlySpan<double> weight,
        int outer, int classes, int inner, long ignoreIndex, double smoothing, Span<T> loss, Span<double> max, Span<double> logSum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            int rowBase = o * classes * inner;
            for (int j = 0; j < inner; j++)
            {
                int pos = o * inner + j, first = rowBase + j;
                double m = double.NegativeInfinity;
                for (int c = 0; c < classes; c++) m = Math.Max(m, double.CreateTruncating(x[first + c * inner]));
                if (double.IsInfinity(m)) m = 0;   // an all −∞ row: no finite shift, keep ±∞ rather than NaN
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.Exp(double.CreateTruncating(x[first + c * inner]) - m);
                double ls = Math.Log(sum);
                max[pos] = m;
                logSum[pos] = ls;
                long t = target[pos];
                if (t == ignoreIndex) { loss[pos] = T.Zero; continue; }
                double lpt = double.CreateTruncating(x[first + (int)t * inner]) - m - ls;
                double value = -(weight.IsEmpty ? 1.0 : weight[(int)t]) * lpt;
                if (smoothing != 0)
                {
                    double smooth = 0;
                    for (int c = 0; c < classes; c++)
                        smooth -= (weight.IsEmpty ? 1.0 : weight[c]) * (double.CreateTruncating(x[first + c * inner]) - m - ls);
                    value = (1 - smoothing) * value + smoothing / classes * smooth;
                }
                loss[pos] = T.CreateTruncating(value);
            }
        }
    }

    /// <summary>
    /// dx[c] = g·[(1 − ε)·w[t]·(s_c − [c = t]) + (ε/C)·(W·s_c − w[c])], s = softmax(x), W = Σ w; 0 where ignored.
    /// </summary>
    /// <remarks>grad is the upstream gradient per position (outer, inner); dx is (outer, classes, inner).</remarks>
    public static void CrossEntropyBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> target, ReadOnlySpan<double> weight,
        int outer, int classes, int inner, long ignoreIndex, double smoothing, ReadOnlySpan<double> max, ReadOnlySpan<double> logSum,
        ReadOnlySpan<T> grad, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double weightTotal = 0;
        for (int c = 0; c < classes; c++) weightTotal += weight.IsEmpty ? 1.0 : weight[c];
        for (int o = 0; o < outer; o++)
        {
            int rowBase = o * classes * inner;
            for (int j = 0; j < inner; j++)
            {
                int pos = o * inner + j, first = rowBase + j;
                long t = target[pos];
                if (t == ignoreIndex)
                {
                    for (int c = 0; c < classes; c++) dx[first + c * inner] = T.Zero;
                    continue;
                }
                double g = double.CreateTruncating(grad[pos]);
                double wt = weight.IsEmpty ? 1.0 : weight[(int)t];
                for (int c = 0; c < classes; c++)
                {
                    int k = first + c * inner;
                    double s = Math.Exp(double.CreateTruncating(x[k]) - max[pos] - logSum[pos]);
                    double d = wt * (c == t ? s - 1.0 : s);
                    if (smoothing != 0)
                        d = (1 - smoothing) * d + smoothing / classes * (weightTotal * s - (weight.IsEmpty ? 1.0 : weight[c]));
                    dx[k] = T.CreateTruncating(g * d);
                }
            }
        }
    }

    // ---------------------------------------------------------------- NLL

    /// <summary>loss = −w[t]·x[t] per position, 0 where t = ignoreIndex.</summary>
    public static void NllForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<long> target, ReadOnlySpan<double> weight,
        int outer, int classes, int inner, long ignoreIndex, Span<T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int pos = o * inner + j;
                long t = target[pos];
                if (t == ignoreIndex) { loss[pos] = T.Zero; continue; }
                double w = weight.IsEmpty ? 1.0 : weight[(int)t];
                loss[pos] = T.CreateTruncating(-w * double.CreateTruncating(x[(o * classes + (int)t) * inner + j]));
            }
    }

    /// <summary>dx[t] = −w[t]·g per position, every other class 0.</summary>
    public static void NllBackward<T>(ReadOnlySpan<long> target, ReadOnlySpan<double> weight,
        int outer, int classes, int inner, long ignoreIndex, ReadOnlySpan<T> grad, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dx.Clear();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int pos = o * inner + j;
                long t = target[pos];
                if (t == ignoreIndex) continue;
                double w = weight.IsEmpty ? 1.0 : weight[(int)t];
                dx[(o * classes + (int)t) * inner + j] = T.CreateTruncating(-w * double.CreateTruncating(grad[pos]));
            }
    }

    // ---------------------------------------------------------------- binary cross-entropy

    /// <summary>loss = w·[(t − 1)·max(ln(1 − x), −100) − t·max(ln x, −100)] (PyTorch's clamped logs).</summary>
    public static void BinaryCrossEntropy<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, Span<T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]);
            double v = (ti - 1) * Math.Max(Math.Log(1 - xi), -100.0) - ti * Math.Max(Math.Log(xi), -100.0);
            loss[i] = T.CreateTruncating(w.IsEmpty ? v : v * double.CreateTruncating(w[i]));
        }
    }

    /// <summary>PyTorch's floor on x(1 − x) in the BCE gradient: the float constant 1e-12f (9.99999996e-13 as a double).</summary>
    private const double BceGradEpsilon = 1e-12f;

    /// <summary>dx = g·w·(x − t)/max(x(1 − x), 1e-12f); dt = g·w·(ln(1 − x) − ln x). Empty dx or dt are skipped.</summary>
    public static void BinaryCrossEntropyBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, ReadOnlySpan<T> grad, Span<T> dx, Span<T> dt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]);
            double g = double.CreateTruncating(grad[i]) * (w.IsEmpty ? 1.0 : double.CreateTruncating(w[i]));
            if (!dx.IsEmpty) dx[i] = T.CreateTruncating(g * (xi - ti) / Math.Max(xi * (1 - xi), BceGradEpsilon));
            if (!dt.IsEmpty) dt[i] = T.CreateTruncating(g * (Math.Log(1 - xi) - Math.Log(xi)));
        }
    }

    /// <summary>log σ(z) = min(z, 0) − ln(1 + e^(−|z|)), finite for every finite z.</summary>
    private static double LogSigmoid(double z) => Math.Min(z, 0) - Special.Log1P(Math.Exp(-Math.Abs(z)));

    /// <summary>
    /// loss = w·[(1 − t)·x + lw·(ln(e^(−m) + e^(−x−m)) + m)], m = max(−x, 0), lw = 1 + (pw − 1)·t:
    /// −w·[pw·t·log σ(x) + (1 − t)·log(1 − σ(x))] without overflow.
    /// </summary>
    public static void BceWithLogits<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, ReadOnlySpan<T> pw, Span<T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]);
            double m = Math.Max(-xi, 0);
            double softplusNeg = Math.Log(Math.Exp(-m) + Math.Exp(-xi - m)) + m;    // ln(1 + e^(−x)) = −log σ(x)
            double lw = pw.IsEmpty ? 1.0 : (double.CreateTruncating(pw[i]) - 1) * ti + 1;
            double v = (1 - ti) * xi + lw * softplusNeg;
            loss[i] = T.CreateTruncating(w.IsEmpty ? v : v * double.CreateTruncating(w[i]));
        }
    }

    /// <summary>
    /// dx = g·w·[(pw·t + 1 − t)·σ(x) − pw·t]; dt = g·w·[log σ(−x) − pw·log σ(x)] (−x without pos_weight).
    /// </summary>
    public static void BceWithLogitsBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, ReadOnlySpan<T> pw,
        ReadOnlySpan<T> grad, Span<T> dx, Span<T> dt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]);
            double g = double.CreateTruncating(grad[i]) * (w.IsEmpty ? 1.0 : double.CreateTruncating(w[i]));
            double sig = 1.0 / (1.0 + Math.Exp(-xi));
            if (pw.IsEmpty)
            {
                if (!dx.IsEmpty) dx[i] = T.CreateTruncating(g * (sig - ti));
                if (!dt.IsEmpty) dt[i] = T.CreateTruncating(g * -xi);
            }
            else
            {
                double p = double.CreateTruncating(pw[i]), pt = p * ti;
                if (!dx.IsEmpty) dx[i] = T.CreateTruncating(g * ((pt + 1 - ti) * sig - pt));
                if (!dt.IsEmpty) dt[i] = T.CreateTruncating(g * (LogSigmoid(-xi) - p * LogSigmoid(xi)));
            }
        }
    }

    // ---------------------------------------------------------------- robust regression

    /// <summary>Smooth L1 of d: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β (β &gt; 0).</summary>
    public static void SmoothL1<T>(ReadOnlySpan<T> d, Span<T> loss, double beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            double z = Math.Abs(double.CreateTruncating(d[i]));
            loss[i] = T.CreateTruncating(z < beta ? 0.5 * z * z / beta : z - 0.5 * beta);
        }
    }

    /// <summary>d/dd smooth L1 = clamp(d/β, −1, 1): −1 for d ≤ −β, 1 for d ≥ β, else d/β.</summary>
    public static void SmoothL1Backward<T>(ReadOnlySpan<T> d, ReadOnlySpan<T> grad, Span<T> dd, double beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            double x = double.CreateTruncating(d[i]), g = double.CreateTruncating(grad[i]);
            dd[i] = T.CreateTruncating(x <= -beta ? -g : x >= beta ? g : x * g / beta);
        }
    }

    /// <summary>Huber of d: 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ).</summary>
    public static void Huber<T>(ReadOnlySpan<T> d, Span<T> loss, double delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            double z = Math.Abs(double.CreateTruncating(d[i]));
            loss[i] = T.CreateTruncating(z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta));
        }
    }

    /// <summary>d/dd Huber = clamp(d, −δ, δ).</summary>
    public static void HuberBackward<T>(ReadOnlySpan<T> d, ReadOnlySpan<T> grad, Span<T> dd, double delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++)
        {
            double x = double.CreateTruncating(d[i]), g = double.CreateTruncating(grad[i]);
            dd[i] = T.CreateTruncating(x <= -delta ? -delta * g : x >= delta ? delta * g : x * g);
        }
    }

    // ---------------------------------------------------------------- KL divergence

    /// <summary>loss = t·ln t − t·x, with 0·ln 0 := 0 (x holds log q).</summary>
    public static void KlDiv<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, Span<T> loss) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]);
            loss[i] = T.CreateTruncating((ti == 0 ? 0.0 : ti * Math.Log(ti)) - ti * xi);
        }
    }

    /// <summary>dx = −g·t; dt = g·(ln t + 1 − x) where t &gt; 0, else 0 (the one-sided derivative there is −∞).</summary>
    public static void KlDivBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> grad, Span<T> dx, Span<T> dt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            double xi = double.CreateTruncating(x[i]), ti = double.CreateTruncating(t[i]), g = double.CreateTruncating(grad[i]);
            if (!dx.IsEmpty) dx[i] = T.CreateTruncating(-g * ti);
            if (!dt.IsEmpty) dt[i] = T.CreateTruncating(ti == 0 ? 0.0 : g * (Math.Log(ti) + 1 - xi));
        }
    }
}
