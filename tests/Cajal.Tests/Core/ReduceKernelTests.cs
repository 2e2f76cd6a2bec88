using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>Reduce.SumAxis and Reduce.ExtremeAxis against plain loops for every length up to 3 vector widths + 1.</summary>
public class ReduceKernelTests
{
    private static readonly int MaxLength = ElementwiseKernelTests.MaxLength;

    private static IEnumerable<(int Outer, int Length, int Inner)> Layouts(int n)
    {
        yield return (1, n, 1);
        yield return (3, n, 1);
        yield return (2, n, 3);
        yield return (2, 3, n);
        yield return (1, 1, n);
    }

    private static void SumAxis_matches_loop<T>(ulong seed, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        for (int n = 0; n <= MaxLength; n++)
        {
            foreach (var (outer, length, inner) in Layouts(n))
            {
                var src = ElementwiseKernelTests.Data<T>(rng, outer * length * inner, withSpecials: false);
                var dst = new T[outer * inner];
                dst.AsSpan().Fill(T.CreateTruncating(99));   // must be overwritten, not accumulated into
                Reduce.SumAxis<T>(src, outer, length, inner, dst);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        double expected = 0, magnitude = 0;
                        for (int r = 0; r < length; r++)
                        {
                            double v = double.CreateTruncating(src[(o * length + r) * inner + i]);
                            expected += v;
                            magnitude += Math.Abs(v);
                        }
                        double actual = double.CreateTruncating(dst[o * inner + i]);
                        Assert.True(Math.Abs(actual - expected) <= rtol * (magnitude + 1e-30) || actual == expected,
                            $"{typeof(T).Name} ({outer}, {length}, {inner}) at ({o}, {i}): {actual} vs {expected}");
                    }
            }
        }
    }

    [Fact]
    public void SumAxis_float_matches_a_plain_loop_for_every_length() => SumAxis_matches_loop<float>(110, 1e-6);

    [Fact]
    public void SumAxis_double_matches_a_plain_loop_for_every_length() => SumAxis_matches_loop<double>(111, 1e-14);

    private static void ExtremeAxis_matches_loop<T>(ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        for (int n = 1; n <= MaxLength; n++)
        {
            foreach (var (outer, length, inner) in Layouts(n))
            {
                // Few distinct values so ties are common; a NaN in some slices.
                var src = new T[outer * length * inner];
                for (int i = 0; i < src.Length; i++) src[i] = T.CreateTruncating(rng.NextInt64(-3, 4));
                if (src.Length > 5 && n % 3 == 0) src[5] = T.NaN;
                foreach (bool max in new[] { true, false })
                {
                    var values = new T[outer * inner];
                    var indices = new long[outer * inner];
                    Reduce.ExtremeAxis<T>(src, outer, length, inner, values, indices, max);
                    for (int o = 0; o < outer; o++)
                        for (int i = 0; i < inner; i++)
                        {
                            int best = 0;
                            for (int r = 0; r < length; r++)
                            {
                                T v = src[(o * length + r) * inner + i], b = src[(o * length + best) * inner + i];
                                if (T.IsNaN(b)) break;
                                if (T.IsNaN(v) || (max ? v > b : v < b)) best = r;
                            }
                            T expected = src[(o * length + best) * inner + i];
                            string where = $"{typeof(T).Name} max={max} ({outer}, {length}, {inner}) at ({o}, {i})";
                            Assert.True(best == indices[o * inner + i], $"{where}: index {indices[o * inner + i]}, expected {best}");
                            Assert.True(expected.Equals(values[o * inner + i]), $"{where}: value {values[o * inner + i]}, expected {expected}");
                        }
                }
            }
        }
    }

    [Fact]
    public void ExtremeAxis_float_matches_a_plain_loop_and_picks_the_first_tie() => ExtremeAxis_matches_loop<float>(112);

    [Fact]
    public void ExtremeAxis_double_matches_a_plain_loop_and_picks_the_first_tie() => ExtremeAxis_matches_loop<double>(113);

    [Fact]
    public void ExtremeAxis_over_int64_picks_the_first_tie()
    {
        long[] src = [1, 5, 5, 2];
        var values = new long[1];
        var indices = new long[1];
        Reduce.ExtremeAxis<long>(src, 1, 4, 1, values, indices, max: true);
        Assert.Equal(5, values[0]);
        Assert.Equal(1, indices[0]);
    }
}
