using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// The three convolution passes, im2col + GEMM (the baseline) against the direct stride-1 kernels, on LeNet's two layers
/// and the W5 layer of the anchor workloads, at batch 64 (W5: 32), on 1 and 2 threads.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    private float[] _x = [], _w = [], _y = [], _dy = [], _dx = [], _dw = [];
    private ConvGeometry _g;

    [Params("lenet1", "lenet2", "w5")]
    public string Layer { get; set; } = "lenet1";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _g = Layer switch
        {
            "lenet1" => new ConvGeometry(64, 1, 28, 28, 6, 5, 5, 28, 28, 1, 1, 2, 2, 1, 1, 1),
            "lenet2" => new ConvGeometry(64, 6, 14, 14, 16, 5, 5, 10, 10, 1, 1, 0, 0, 1, 1, 1),
            _ => new ConvGeometry(32, 64, 32, 32, 64, 3, 3, 32, 32, 1, 1, 1, 1, 1, 1, 1),
        };
        var rng = new Generator(3);
        _x = Tensor.RandN([_g.Batch * _g.InChannels * _g.InPlane], rng).ToArray<float>();
        _w = Tensor.RandN([_g.OutChannels * _g.GroupPatch], rng).ToArray<float>();
        _dy = Tensor.RandN([_g.Batch * _g.OutChannels * _g.OutPlane], rng).ToArray<float>();
        _y = new float[_dy.Length];
        _dx = new float[_x.Length];
        _dw = new float[_w.Length];
        Parallelism.MaxThreads = Threads;
    }

    private void Passes(ConvAlgorithm algorithm)
    {
        Convolution.ForcedAlgorithm = algorithm;   // thread-static: set on the thread that runs the benchmark
        try
        {
            Convolution.Forward(_x, 0, _w, 0, null, 0, _y, _g);
            Convolution.BackwardInput(_dy, 0, _w, 0, _dx, _g);
            Convolution.BackwardWeight(_x, 0, _dy, 0, _dw, _g);
        }
        finally
        {
            Convolution.ForcedAlgorithm = ConvAlgorithm.Auto;
        }
    }

    [Benchmark(Baseline = true)]
    public void Im2Col() => Passes(ConvAlgorithm.Im2Col);

    [Benchmark]
    public void Direct()
    {
        if (ConvDirect.IsSupported<float>()) Passes(ConvAlgorithm.Direct);
    }

    /// <summary>The direct kernels kept on the padded width even where output rows are whole vectors (W5's 32): the
    /// layout before stop 11, against which <see cref="Direct"/> writes such rows in place.</summary>
    [Benchmark]
    public void DirectPaddedWidth()
    {
        if (!ConvDirect.IsSupported<float>()) return;
        ConvDirect.PaddedWidthOnly = true;   // thread-static, like ForcedAlgorithm
        try { Passes(ConvAlgorithm.Direct); }
        finally { ConvDirect.PaddedWidthOnly = false; }
    }
}
