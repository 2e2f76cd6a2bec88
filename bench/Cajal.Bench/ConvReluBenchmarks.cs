using BenchmarkDotNet.Attributes;
using Cajal.Nn;

namespace Cajal.Bench;

/// <summary>
/// LeNet-5's first layer (1 → 6 channels, 5×5, padding 2, 28×28 images, with bias) followed by ReLU, without a
/// recorded gradient, on 1 and 2 threads. Baseline: <c>Functional.Conv2d</c> then <c>Functional.Relu</c>, two ops;
/// against it the fused op that <c>Sequential</c> runs for the pair (<c>Functional.Conv2dRelu</c>: bias and ReLU applied
/// as the tiles are stored, one output tensor). Both give the same bits.
/// </summary>
[MemoryDiagnoser]
public class ConvReluBenchmarks
{
    private Tensor _x = Tensor.Zeros([1]), _w = Tensor.Zeros([1]), _b = Tensor.Zeros([1]);

    [Params(64, 1000)]
    public int Batch { get; set; } = 64;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(6);
        _x = Tensor.RandN([Batch, 1, 28, 28], g);
        _w = Tensor.RandN([6, 1, 5, 5], g);
        _b = Tensor.RandN([6], g);
        Parallelism.MaxThreads = Threads;
    }

    [Benchmark(Baseline = true)]
    public Tensor Conv2dThenRelu()
    {
        using (Autograd.NoGrad()) return Functional.Relu(Functional.Conv2d(_x, _w, _b, padding: [2, 2]));
    }

    [Benchmark]
    public Tensor Conv2dRelu()
    {
        using (Autograd.NoGrad()) return Functional.Conv2dRelu(_x, _w, 2, _b, [1, 1], [1, 1], 1);
    }
}
