using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>The vectorised element-wise and reduction kernels against scalar loops.</summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private float[] _x = [], _y = [], _d = [];

    [Params(1_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(1);
        _x = Tensor.RandN([N], g).ToArray<float>();
        _y = Tensor.RandN([N], g).ToArray<float>();
        _d = new float[N];
    }

    [Benchmark(Baseline = true)]
    public void AddScalarLoop()
    {
        for (int i = 0; i < _d.Length; i++) _d[i] = _x[i] + _y[i];
    }

    [Benchmark]
    public void AddKernel() => Elementwise.Binary(BinaryOp.Add, _x, _y, _d);

    [Benchmark]
    public void ExpScalarLoop()
    {
        for (int i = 0; i < _d.Length; i++) _d[i] = MathF.Exp(_x[i]);
    }

    [Benchmark]
    public void ExpKernel() => Elementwise.Unary(UnaryOp.Exp, _x, _d);

    [Benchmark]
    public float SumScalarLoop()
    {
        float s = 0;
        for (int i = 0; i < _x.Length; i++) s += _x[i];
        return s;
    }

    [Benchmark]
    public void SumKernel() => Reduce.SumAxis<float>(_x, 1, _x.Length, 1, _d);
}
