using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// The packed GEMM (float32, square n×n) against the simple loop it replaced (Gemm.Portable, the baseline),
/// with each transposition, in float64, and with the AVX2 kernel forced; on 1 and 2 threads.
/// GFLOP/s = 2n³ / time. W4's own figure (3 warm-ups, best of 7 samples of ≥ 0.1 s) is what docs/performance.md quotes.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private double[] _ad = [], _bd = [], _cd = [];

    [Params(64, 256, 512, 1024)]
    public int N { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(2);
        _a = Tensor.RandN([N * N], g).ToArray<float>();
        _b = Tensor.RandN([N * N], g).ToArray<float>();
        _c = new float[N * N];
        _ad = Array.ConvertAll(_a, x => (double)x);
        _bd = Array.ConvertAll(_b, x => (double)x);
        _cd = new double[N * N];
        Parallelism.MaxThreads = Threads;
    }

    [Benchmark(Baseline = true)]
    public void Portable() => Gemm.Portable(N, N, N, _a, 0, N, 1, _b, 0, N, 1, _c, 0, N, accumulate: false);

    [Benchmark]
    public void Packed() => Gemm.Multiply(N, N, N, _a, 0, N, 1, _b, 0, N, 1, _c, 0, N, accumulate: false);

    [Benchmark]
    public void PackedTransposedA() => Gemm.Multiply(N, N, N, _a, 0, 1, N, _b, 0, N, 1, _c, 0, N, accumulate: false);

    [Benchmark]
    public void PackedTransposedB() => Gemm.Multiply(N, N, N, _a, 0, N, 1, _b, 0, 1, N, _c, 0, N, accumulate: false);

    [Benchmark]
    public void PackedDouble() => Gemm.Multiply(N, N, N, _ad, 0, N, 1, _bd, 0, N, 1, _cd, 0, N, accumulate: false);

    [Benchmark]
    public void PackedAvx2()
    {
        if (!GemmAvx2.IsSupported) return;
        Gemm.ForcedPath = GemmPath.Avx2;   // thread-static: set on the thread that runs the benchmark
        try { Gemm.Multiply(N, N, N, _a, 0, N, 1, _b, 0, N, 1, _c, 0, N, accumulate: false); }
        finally { Gemm.ForcedPath = GemmPath.Auto; }
    }
}
