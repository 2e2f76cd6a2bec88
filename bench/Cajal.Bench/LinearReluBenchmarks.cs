using BenchmarkDotNet.Attributes;
using Cajal.Nn;

namespace Cajal.Bench;

/// <summary>
/// The MLP's first layer at inference (batch 1000, 784 → 256) followed by ReLU, without a recorded gradient, on 1 and 2
/// threads. Baseline: <c>Functional.Linear</c> then <c>Functional.Relu</c>, two ops (the bias still in the GEMM's
/// epilogue); against it the fused op that <c>Sequential</c> runs for the pair (<c>Functional.LinearRelu</c>: the ReLU
/// in the epilogue too, one output tensor). Both give the same bits.
/// </summary>
[MemoryDiagnoser]
public class LinearReluBenchmarks
{
    private Tensor _x = Tensor.Zeros([1]), _w = Tensor.Zeros([1]), _b = Tensor.Zeros([1]);

    [Params(1000, 64)]
    public int Batch { get; set; } = 1000;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(5);
        _x = Tensor.RandN([Batch, 784], g);
        _w = Tensor.RandN([256, 784], g);
        _b = Tensor.RandN([256], g);
        Parallelism.MaxThreads = Threads;
    }

    [Benchmark(Baseline = true)]
    public Tensor LinearThenRelu()
    {
        using (Autograd.NoGrad()) return Functional.Relu(Functional.Linear(_x, _w, _b));
    }

    [Benchmark]
    public Tensor LinearRelu()
    {
        using (Autograd.NoGrad()) return Functional.LinearRelu(_x, _w, _b);
    }
}
