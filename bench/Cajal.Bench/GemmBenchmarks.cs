using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>The GEMM kernel against the naive triple loop (float32, square n×n).</summary>
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params(64, 256)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(2);
        _a = Tensor.RandN([N * N], g).ToArray<float>();
        _b = Tensor.RandN([N * N], g).ToArray<float>();
        _c = new float[N * N];
    }

    [Benchmark(Baseline = true)]
    public void Naive()
    {
        int n = N;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < n; p++) s += _a[i * n + p] * _b[p * n + j];
                _c[i * n + j] = s;
            }
    }

    [Benchmark]
    public void Kernel() => Gemm.Multiply(N, N, N, _a, 0, N, 1, _b, 0, N, 1, _c, 0, N, accumulate: false);

    [Benchmark]
    public void KernelTransposedB() => Gemm.Multiply(N, N, N, _a, 0, N, 1, _b, 0, 1, N, _c, 0, N, accumulate: false);
}
