using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Tests.Optim;

/// <summary>The SIMD bodies of the optimizer kernels against naive scalar loops, bit for bit, at every tail length.</summary>
public class OptimizerKernelTests
{
    private static IEnumerable<int> Lengths<T>() where T : struct => Enumerable.Range(0, 3 * Vector<T>.Count + 2);

    private static T[] Random<T>(Random rng, int n, bool positive = false) where T : IFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, n).Select(_ => T.CreateTruncating(positive ? rng.NextDouble() + 0.01 : rng.NextDouble() * 2 - 1))];

    private static T C<T>(double v) where T : IFloatingPointIeee754<T> => T.CreateTruncating(v);

    private static void Sgd<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(1);
        foreach (int n in Lengths<T>())
            foreach (bool nesterov in new[] { false, true })
                foreach (bool maximize in new[] { false, true })
                    foreach (bool first in new[] { false, true })
                    {
                        T[] p = Random<T>(rng, n), g = Random<T>(rng, n), b = Random<T>(rng, n);
                        T[] p2 = [.. p], b2 = [.. b];
                        T lr = C<T>(-0.1), wd = C<T>(0.01), mom = C<T>(0.9), damp = C<T>(0.8);
                        OptimizerKernels.Sgd<T>(p, g, b, lr, wd, mom, damp, nesterov, maximize, first);
                        for (int i = 0; i < n; i++)
                        {
                            T d = maximize ? -g[i] : g[i];
                            d = d + wd * p2[i];
                            b2[i] = Flush(first ? d : b2[i] * mom + damp * d);
                            d = nesterov ? d + mom * b2[i] : b2[i];
                            p2[i] = p2[i] + lr * d;
                        }
                        Assert.Equal(p2, p);
                        Assert.Equal(b2, b);
                    }
    }

    private static void Adam<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(2);
        foreach (int n in Lengths<T>())
            foreach (bool amsgrad in new[] { false, true })
                foreach (bool decoupled in new[] { false, true })
                {
                    T[] p = Random<T>(rng, n), g = Random<T>(rng, n), m = Random<T>(rng, n), v = Random<T>(rng, n, true), vm = Random<T>(rng, n, true);
                    if (n > 2) vm[1] = T.NaN;   // torch.maximum propagates NaN
                    T[] p2 = [.. p], m2 = [.. m], v2 = [.. v], vm2 = [.. vm];
                    var s = new AdamScalars<T>(C<T>(0.9), C<T>(0.1), C<T>(0.999), C<T>(1 - 0.999), C<T>(1e-8), decoupled ? T.Zero : C<T>(0.1),
                        decoupled, C<T>(1 - 1e-3), C<T>(-0.01), C<T>(0.3), true);
                    OptimizerKernels.Adam<T>(p, g, m, v, amsgrad ? vm : [], s);
                    for (int i = 0; i < n; i++)
                    {
                        T d = -g[i];
                        if (decoupled) p2[i] = p2[i] * s.DecoupledDecay;
                        else d = d + s.WeightDecay * p2[i];
                        m2[i] = m2[i] * s.Beta1 + s.OneMinusBeta1 * d;
                        v2[i] = v2[i] * s.Beta2 + s.OneMinusBeta2 * d * d;
                        T second = v2[i];
                        if (amsgrad) second = vm2[i] = T.IsNaN(vm2[i]) ? vm2[i] : T.Max(vm2[i], v2[i]);
                        p2[i] = p2[i] + s.NegStepSize * m2[i] / (T.Sqrt(second) / s.BiasCorrection2Sqrt + s.Eps);
                    }
                    Assert.Equal(p2, p);
                    Assert.Equal(m2, m);
                    Assert.Equal(v2, v);
                    if (amsgrad) Assert.Equal(vm2, vm);
                }
    }

    private static void RmsProp<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(3);
        foreach (int n in Lengths<T>())
            foreach (bool centered in new[] { false, true })
                foreach (bool momentum in new[] { false, true })
                {
                    T[] p = Random<T>(rng, n), g = Random<T>(rng, n), sq = Random<T>(rng, n, true), a = Random<T>(rng, n), b = Random<T>(rng, n);
                    for (int i = 0; i < n; i++) a[i] *= C<T>(0.1);   // keep s − a² positive
                    T[] p2 = [.. p], sq2 = [.. sq], a2 = [.. a], b2 = [.. b];
                    var s = new RmsPropScalars<T>(C<T>(0.9), C<T>(0.1), C<T>(1e-8), C<T>(0.05), C<T>(0.7), C<T>(-0.01), false);
                    OptimizerKernels.RmsProp<T>(p, g, sq, centered ? a : [], momentum ? b : [], s);
                    for (int i = 0; i < n; i++)
                    {
                        T d = g[i] + s.WeightDecay * p2[i];
                        sq2[i] = sq2[i] * s.Alpha + s.OneMinusAlpha * d * d;
                        T avg;
                        if (centered) { a2[i] = a2[i] * s.Alpha + s.OneMinusAlpha * d; avg = T.Sqrt(sq2[i] - a2[i] * a2[i]); }
                        else avg = T.Sqrt(sq2[i]);
                        avg = avg + s.Eps;
                        if (momentum) { b2[i] = b2[i] * s.Momentum + d / avg; p2[i] = p2[i] + s.NegLr * b2[i]; }
                        else p2[i] = p2[i] + s.NegLr * d / avg;
                    }
                    Assert.Equal(p2, p);
                    Assert.Equal(sq2, sq);
                    if (centered) Assert.Equal(a2, a);
                    if (momentum) Assert.Equal(b2, b);
                }
    }

    private static void Adagrad<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(4);
        foreach (int n in Lengths<T>())
            foreach (bool maximize in new[] { false, true })
            {
                T[] p = Random<T>(rng, n), g = Random<T>(rng, n), sum = Random<T>(rng, n, true);
                T[] p2 = [.. p], sum2 = [.. sum];
                OptimizerKernels.Adagrad<T>(p, g, sum, C<T>(-0.05), C<T>(1e-10), C<T>(0.1), maximize);
                for (int i = 0; i < n; i++)
                {
                    T d = (maximize ? -g[i] : g[i]) + C<T>(0.1) * p2[i];
                    sum2[i] = sum2[i] + d * d;
                    p2[i] = p2[i] + C<T>(-0.05) * d / (T.Sqrt(sum2[i]) + C<T>(1e-10));
                }
                Assert.Equal(p2, p);
                Assert.Equal(sum2, sum);
            }
    }

    [Fact] public void Sgd_vector_body_matches_the_scalar_loop() { Sgd<float>(); Sgd<double>(); }

    /// <summary>A subnormal value becomes a zero of its sign; everything else (NaN, ±∞, ±0, normal) passes.</summary>
    private static T Flush<T>(T x) where T : IFloatingPointIeee754<T> => T.IsSubnormal(x) ? T.CopySign(T.Zero, x) : x;

    /// <summary>
    /// The momentum buffer is flushed where subnormal, in the vector body and the tail alike, and the parameters come
    /// out exactly as PyTorch's unflushed arithmetic gives them (|p| ≥ 2⁻¹⁰¹, lr ≤ 1).
    /// </summary>
    private static void SgdFlush<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        T minNormal = OptimizerKernels.MinNormal<T>(), tiny = minNormal * C<T>(0.25);   // a subnormal
        Assert.True(T.IsNormal(minNormal) && T.IsSubnormal(minNormal / C<T>(2)) && T.IsSubnormal(tiny));
        T[] buffers = [tiny, -tiny, T.Epsilon, -T.Epsilon, C<T>(4) * T.Epsilon, minNormal, -minNormal, T.Zero, T.NegativeZero,
            T.NaN, T.PositiveInfinity, C<T>(0.5), C<T>(1e-30)];
        T[] grads = [T.Zero, T.NegativeZero, C<T>(0.25), C<T>(-3)];
        var rng = new Random(4);
        foreach (int n in Lengths<T>())
            foreach (bool nesterov in new[] { false, true })
            {
                T[] p = Random<T>(rng, n), g = new T[n], b = new T[n];
                for (int i = 0; i < n; i++) (g[i], b[i]) = (grads[rng.Next(grads.Length)], buffers[rng.Next(buffers.Length)]);
                T[] p0 = [.. p], b0 = [.. b];
                T lr = C<T>(-0.05), mom = C<T>(0.9), one = T.One;
                OptimizerKernels.Sgd<T>(p, g, b, lr, T.Zero, mom, one, nesterov, maximize: false, firstStep: false);
                for (int i = 0; i < n; i++)
                {
                    T raw = b0[i] * mom + one * g[i];                       // PyTorch: no flush
                    Assert.Equal(Flush(raw), b[i]);
                    T d = nesterov ? g[i] + mom * raw : raw;
                    T expected = p0[i] + lr * d;
                    if (T.IsNaN(expected)) Assert.True(T.IsNaN(p[i]));
                    else Assert.Equal(expected, p[i]);
                }
            }
    }

    [Fact] public void Sgd_flushes_a_subnormal_momentum_buffer_without_changing_the_parameters() { SgdFlush<float>(); SgdFlush<double>(); }

    [Fact]
    public void Sgd_flush_leaves_the_buffer_at_zero_where_the_gradient_stays_zero()
    {
        // μ·b decays into the subnormals and, unflushed, sticks there: 0.9 · 4·2⁻¹⁴⁹ rounds back to 4·2⁻¹⁴⁹.
        float stuck = 4 * float.Epsilon;
        Assert.Equal(stuck, stuck * 0.9f);
        float[] p = [1f], g = [0f], b = [1e-30f];
        for (int step = 0; step < 400; step++) OptimizerKernels.Sgd<float>(p, g, b, -0.05f, 0f, 0.9f, 1f, false, false, false);
        Assert.Equal(0f, b[0]);
        Assert.False(float.IsNegative(b[0]));
        Assert.Equal(1f, p[0]);
    }
    [Fact] public void Adam_vector_body_matches_the_scalar_loop() { Adam<float>(); Adam<double>(); }
    [Fact] public void RmsProp_vector_body_matches_the_scalar_loop() { RmsProp<float>(); RmsProp<double>(); }
    [Fact] public void Adagrad_vector_body_matches_the_scalar_loop() { Adagrad<float>(); Adagrad<double>(); }
}
