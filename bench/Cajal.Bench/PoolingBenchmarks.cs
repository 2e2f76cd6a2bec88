using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// 2×2, stride-2 max pooling on LeNet's two pooling layers at batch 64: the general window kernel (the baseline)
/// against the 2×2 fast path, with indices (training) and without (inference). LeNet's second layer has rows of 5
/// windows, which the fast path runs four at a time in 128-bit vectors.
/// </summary>
[MemoryDiagnoser]
public class PoolingBenchmarks
{
    private float[] _x = [], _values = [];
    private long[] _indices = [];
    private PoolGeometry _g;

    [Params("lenet1", "lenet2")]
    public string Layer { get; set; } = "lenet1";

    [GlobalSetup]
    public void Setup()
    {
        (int planes, int side) = Layer == "lenet1" ? (64 * 6, 28) : (64 * 16, 10);
        _g = new PoolGeometry(planes, side, side, side / 2, side / 2, 2, 2, 2, 2, 0, 0, 1, 1);
        _x = Tensor.RandN([planes * side * side], new Generator(5)).ToArray<float>();
        _values = new float[planes * _g.OutPlane];
        _indices = new long[_values.Length];
        Parallelism.MaxThreads = 1;
    }

    [Benchmark(Baseline = true)]
    public void General() => Pooling.MaxForward(_x, 0, _values, _indices, _g);

    [Benchmark]
    public void TwoByTwo() => Pooling.MaxForwardTwoByTwo(_x, 0, _values, _indices, _g);

    [Benchmark]
    public void TwoByTwoValuesOnly() => Pooling.MaxForwardTwoByTwo(_x, 0, _values, null, _g);
}
