namespace Cajal.Tests.Core;

public class SmokeTests
{
    [Fact]
    public void Article_step_by_autograd_runs()
    {
        var x = Tensor.FromArray(new double[,] { { 0, 0, 1 }, { 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 } });
        var y = Tensor.FromArray(new double[,] { { 0 }, { 1 }, { 1 }, { 0 } });
        var g = new Generator(1);
        var w1 = Tensor.Rand([3, 4], g, DType.Float64, requiresGrad: true);
        var w2 = Tensor.Rand([4, 1], g, DType.Float64, requiresGrad: true);
        double first = 0, last = 0;
        for (int i = 0; i < 1500; i++)
        {
            var pred = x.MatMul(w1).Sigmoid().MatMul(w2).Sigmoid();
            var loss = (y - pred).Pow(2).Sum();
            if (i == 0) first = loss.Item();
            last = loss.Item();
            loss.Backward();
            using (Autograd.NoGrad())
            {
                w1.SubInPlace(w1.Grad!);
                w2.SubInPlace(w2.Grad!);
            }
            w1.Grad = null;
            w2.Grad = null;
        }
        Assert.True(last < first / 10, $"{first} -> {last}");
    }
}
