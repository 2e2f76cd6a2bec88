using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// Linear-layer products C (m×n) = X (m×k, row-major) · Wᵀ (W stored n×k), the MLP's first layer at inference (batch
/// 1000) and in training (batch 64), on 1 and 2 threads. Baseline: every A panel packed (<c>Gemm.PackAlways</c>);
/// against it the AVX-512 path reading X's rows in place (<c>GemmAvx512.KernelRowsA</c>). Both give the same bits.
/// (The MLP's second layer, k = 256, rows 1 KB apart, is read in place only for at most 8 column panels, <c>Gemm.ReadsAInPlace</c>.)
/// </summary>
[MemoryDiagnoser]
public class LinearGemmBenchmarks
{
    private float[] _x = [], _w = [], _c = [];
    private int _m, _n, _k;

    [Params("1000x256x784", "64x256x784")]
    public string Shape { get; set; } = "1000x256x784";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dims = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        var g = new Generator(4);
        _x = Tensor.RandN([_m * _k], g).ToArray<float>();
        _w = Tensor.RandN([_n * _k], g).ToArray<float>();
        _c = new float[_m * _n];
        Parallelism.MaxThreads = Threads;
    }

    private void Product() => Gemm.Multiply(_m, _n, _k, _x, 0, _k, 1, _w, 0, 1, _k, _c, 0, _n, accumulate: false);

    [Benchmark(Baseline = true)]
    public void PackedA()
    {
        Gemm.PackAlways = true;   // thread-static: set on the thread that runs the benchmark
        try { Product(); }
        finally { Gemm.PackAlways = false; }
    }

    [Benchmark]
    public void InPlaceA() => Product();
}
