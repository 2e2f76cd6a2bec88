using System.Numerics;
using Cajal.Detection;
using Cajal.Kernels;

namespace Cajal.Tests.Detection;

public class YoloKernelTests
{
    [Fact]
    public void Vectorised_best_iou_equals_the_scalar_reference_for_every_tail_length()
    {
        var rng = new Random(17);
        int width = Vector<double>.Count;
        for (int w = 1; w <= 3 * width + 1; w++)
        {
            const int h = 2;
            int hw = h * w;
            var decode = new double[4 * hw];
            for (int i = 0; i < 2 * hw; i++) decode[i] = rng.NextDouble();
            for (int i = 2 * hw; i < 4 * hw; i++) decode[i] = Math.Exp(rng.NextDouble() * 2 - 1);
            double[] col = new double[hw], row = new double[hw];
            for (int p = 0; p < hw; p++) { col[p] = p % w; row[p] = p / w; }
            double[] truths = [0.3, 0.4, 0.5, 0.3, 0.8, 0.7, 0.2, 0.4, 0.5, 0.5, 1.0, 1.0];
            var corners = new double[15];
            YoloKernels.TruthCorners(truths, corners);
            var best = new double[hw];
            YoloKernels.BestIou(decode, col, row, w, h, 0.3, 0.2, corners, best);
            for (int p = 0; p < hw; p++)
            {
                var pred = new Box((decode[p] + col[p]) / w, (decode[hw + p] + row[p]) / h, decode[2 * hw + p] * 0.3, decode[3 * hw + p] * 0.2);
                double expected = double.NegativeInfinity;
                for (int t = 0; t < 12; t += 4) expected = Math.Max(expected, Boxes.Iou(pred, new Box(truths[t], truths[t + 1], truths[t + 2], truths[t + 3])));
                Assert.True(Math.Abs(expected - best[p]) <= 1e-15, $"w {w} p {p}: {best[p]} vs {expected}");
            }
            YoloKernels.BestIou(decode, col, row, w, h, 0.3, 0.2, [], best);
            Assert.All(best, v => Assert.Equal(double.NegativeInfinity, v));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.5)]
    [InlineData(-30.0)]
    [InlineData(30.0)]
    [InlineData(-800.0)]
    public void Stable_bce_and_sigmoid_match_their_definitions_without_overflow(double x)
    {
        double s = YoloKernels.Sigmoid(x);
        Assert.InRange(s, 0, 1);
        Assert.Equal(1 / (1 + Math.Exp(-x)), s, 15);
        // BCE(1, x) = −ln σ(x) = softplus(−x); BCE(0, x) = softplus(x).
        Assert.Equal(Math.Max(-x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))), YoloKernels.Bce(1, x), 12);
        Assert.True(double.IsFinite(YoloKernels.Bce(0.3, x)));
    }
}
