using BenchmarkDotNet.Attributes;

namespace Cajal.Bench;

/// <summary>One iteration of the article's 3-4-1 network (forward, backward, update): pure per-op overhead.</summary>
[MemoryDiagnoser]
public class AutogradBenchmarks
{
    private Tensor _x = null!, _y = null!, _w1 = null!, _w2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = Tensor.FromArray(new float[,] { { 0, 0, 1 }, { 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 } });
        _y = Tensor.FromArray(new float[,] { { 0 }, { 1 }, { 1 }, { 0 } });
        var g = new Generator(1);
        _w1 = Tensor.Rand([3, 4], g, requiresGrad: true);
        _w2 = Tensor.Rand([4, 1], g, requiresGrad: true);
    }

    [Benchmark]
    public double ArticleIteration()
    {
        var loss = (_y - _x.MatMul(_w1).Sigmoid().MatMul(_w2).Sigmoid()).Pow(2).Sum();
        loss.Backward();
        using (Autograd.NoGrad())
        {
            _w1.SubInPlace(_w1.Grad!);
            _w2.SubInPlace(_w2.Grad!);
        }
        _w1.Grad = null;
        _w2.Grad = null;
        return loss.Item();
    }
}
