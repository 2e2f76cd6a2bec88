using System.Numerics;
using System.Runtime.Intrinsics;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>
/// Every vectorised element-wise kernel against its scalar definition, for every length from 0 to
/// 3 vector widths + 1, so each full-vector, partial-vector and scalar tail path runs.
/// </summary>
public class ElementwiseKernelTests
{
    internal static readonly int MaxLength = 3 * Vector512<float>.Count + 1;

    /// <summary>Values in [−4, 4) with zeros of both signs, a NaN, tiny and huge magnitudes mixed in.</summary>
    internal static T[] Data<T>(Generator rng, int n, bool withSpecials = true) where T : IFloatingPointIeee754<T>
    {
        var data = new T[n];
        for (int i = 0; i < n; i++) data[i] = T.CreateTruncating(rng.NextDouble() * 8 - 4);
        if (withSpecials)
        {
            if (n > 3) data[3] = T.Zero;
            if (n > 4) data[4] = T.NegativeZero;
            if (n > 7) data[7] = T.NaN;
            if (n > 9) data[9] = T.CreateTruncating(2.0);
            double[] extremes = [1e-7, -3e-4, 0.02, 30, -30, 95, -95, 1e-30];   // cancellation, overflow and underflow
            for (int k = 0; k < extremes.Length && 11 + 2 * k < n; k++) data[11 + 2 * k] = T.CreateTruncating(extremes[k]);
        }
        return data;
    }

    private static bool SameValue<T>(T expected, T actual) where T : IFloatingPointIeee754<T> =>
        (T.IsNaN(expected) && T.IsNaN(actual)) || (expected == actual && T.IsNegative(expected) == T.IsNegative(actual));

    private static void Binary_matches_scalar<T>(ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            for (int n = 0; n <= MaxLength; n++)
            {
                var x = Data<T>(rng, n);
                var y = Data<T>(rng, n);
                if (n > 9) y[9] = T.CreateTruncating(2.0);            // a tie with x[9]
                if (n > 4) (y[3], y[4]) = (T.NegativeZero, T.Zero);  // signed-zero ties
                T s = T.CreateTruncating(n % 2 == 0 ? 1.5 : -0.75);
                var d1 = new T[n];
                var d2 = new T[n];
                var d3 = new T[n];
                Elementwise.Binary(op, x, y, d1);
                Elementwise.Binary(op, x, s, d2);
                Elementwise.Binary(op, s, y, d3);
                for (int i = 0; i < n; i++)
                {
                    Assert.True(SameValue(Elementwise.Scalar(op, x[i], y[i]), d1[i]), $"{typeof(T).Name} {op} span-span n={n} i={i}: {x[i]} {y[i]} -> {d1[i]}, expected {Elementwise.Scalar(op, x[i], y[i])}");
                    Assert.True(SameValue(Elementwise.Scalar(op, x[i], s), d2[i]), $"{typeof(T).Name} {op} span-scalar n={n} i={i}: {x[i]} {s} -> {d2[i]}");
                    Assert.True(SameValue(Elementwise.Scalar(op, s, y[i]), d3[i]), $"{typeof(T).Name} {op} scalar-span n={n} i={i}: {s} {y[i]} -> {d3[i]}");
                }
            }
        }
    }

    [Fact]
    public void Binary_float_matches_the_scalar_reference_for_every_op_and_length() => Binary_matches_scalar<float>(100);

    [Fact]
    public void Binary_double_matches_the_scalar_reference_for_every_op_and_length() => Binary_matches_scalar<double>(101);

    [Fact]
    public void Binary_comparison_ops_give_one_or_zero()
    {
        float[] x = [1, 2, 3];
        float[] y = [2, 2, 2];
        var d = new float[3];
        Elementwise.Binary(BinaryOp.Lt, x, y, d);
        Assert.Equal(new float[] { 1, 0, 0 }, d);
        Elementwise.Binary(BinaryOp.Ge, x, y, d);
        Assert.Equal(new float[] { 0, 1, 1 }, d);
        Elementwise.Binary(BinaryOp.Ne, 2f, x, d);
        Assert.Equal(new float[] { 1, 0, 1 }, d);
    }

    private static void Unary_matches_scalar<T>(ulong seed, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            bool exact = op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Sqrt or UnaryOp.Relu;
            for (int n = 0; n <= MaxLength; n++)
            {
                var x = Data<T>(rng, n);
                if (op is UnaryOp.Log or UnaryOp.Sqrt)
                    for (int i = 0; i < n; i++) x[i] = T.Abs(x[i]);
                var d = new T[n];
                Elementwise.Unary(op, x, d);
                for (int i = 0; i < n; i++)
                {
                    T e = Elementwise.Scalar(op, x[i]);
                    bool ok = exact
                        ? SameValue(e, d[i])
                        : (T.IsNaN(e) && T.IsNaN(d[i])) || e == d[i] || double.Abs(double.CreateTruncating(d[i] - e)) <= rtol * double.Max(double.Abs(double.CreateTruncating(e)), 1e-30);
                    Assert.True(ok, $"{typeof(T).Name} {op} n={n} i={i}: op({x[i]}) = {d[i]}, expected {e}");
                }
            }
        }
    }

    [Fact]
    public void Unary_float_matches_the_scalar_reference_for_every_op_and_length() => Unary_matches_scalar<float>(102, 1e-6);

    [Fact]
    public void Unary_double_matches_the_scalar_reference_for_every_op_and_length() => Unary_matches_scalar<double>(103, 1e-14);

    [Fact]
    public void BinaryStrided_broadcasts_like_an_explicit_loop()
    {
        // a is (3, 1, n) viewed from a transposed layout, b is (n) broadcast, output (3, 2, n).
        var rng = new Generator(104);
        for (int n = 0; n <= MaxLength; n++)
        {
            var a = Data<float>(rng, 3 * n, withSpecials: false);
            var b = Data<float>(rng, n, withSpecials: false);
            var output = new float[3 * 2 * n];
            int[] dims = [3, 2, n];
            Elementwise.BinaryStrided(BinaryOp.Sub, a, 0, [1, 0, 3], b, 0, [0, 0, 1], output, dims);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    for (int k = 0; k < n; k++)
                        Assert.Equal(a[k * 3 + i] - b[k], output[(i * 2 + j) * n + k]);
        }
    }
}
