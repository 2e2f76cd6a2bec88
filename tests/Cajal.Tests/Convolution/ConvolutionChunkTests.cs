using Cajal.Tests.Support;
using Cajal.Kernels;
using Cajal.Nn;
using static Cajal.Tests.Convolution.ConvolutionTests;

namespace Cajal.Tests.Convolution;

/// <summary>
/// Batches large enough that the convolution kernel splits them into several im2col chunks, runs the chunks on
/// several threads, and sums the weight gradient in partial runs (Kernels/Convolution.cs). These stride-1 cases
/// would take the direct kernels, so the im2col path is forced (ConvDirectTests covers the direct ones).
/// </summary>
public sealed class ConvolutionChunkTests : IDisposable
{
    private readonly ConvAlgorithm _saved = Kernels.Convolution.ForcedAlgorithm;

    public ConvolutionChunkTests() => Kernels.Convolution.ForcedAlgorithm = ConvAlgorithm.Im2Col;

    public void Dispose() => Kernels.Convolution.ForcedAlgorithm = _saved;

    /// <summary>Images per chunk, as the kernel computes it.</summary>
    private static int ImagesPerChunk(int c, int taps, int outPlane) => Math.Max(1, Kernels.Convolution.MaxColumnElements / (c * taps * outPlane));

    [Theory]
    [InlineData(11, 8, 32, 32, 6, 1)]    // 3 images a chunk: 4 chunks, 4 weight runs, the last chunk short
    [InlineData(40, 8, 16, 16, 4, 1)]    // 14 images a chunk: 3 chunks
    [InlineData(30, 32, 16, 16, 4, 2)]   // 3 images a chunk: 10 chunks dealt into 8 weight runs; grouped
    [InlineData(3, 40, 30, 30, 2, 1)]    // one image a chunk
    public void Chunked_convolution_matches_the_direct_reference(int n, int c, int h, int w, int cout, int groups)
    {
        int perChunk = ImagesPerChunk(c, 9, h * w);
        Assert.True((n + perChunk - 1) / perChunk > 1, "the case must span several chunks");
        var rng = new Generator((ulong)(n * 1000 + c));
        var x = Tensor.RandN([n, c, h, w], rng, DType.Float64, requiresGrad: true);
        var weight = Tensor.RandN([cout, c / groups, 3, 3], rng, DType.Float64, requiresGrad: true);
        var y = Functional.Conv2d(x, weight, null, [1, 1], [1, 1], [1, 1], groups);
        var up = Tensor.RandN(y.Shape.ToArray(), rng, DType.Float64);
        (y * up).Sum().Backward();

        var a = new DirectReference.Conv(1, 1, 1, 1, 1, 1, groups);
        var (ry, rdx, rdw) = DirectReference.Conv2d(Values(x), [n, c, h, w], Values(weight), weight.Shape.ToArray(), null, a, h, w, Values(up));
        AssertClose(ry, Values(y), 1e-12, "out");
        AssertClose(rdx, Values(x.Grad!), 1e-12, "dx");
        AssertClose(rdw, Values(weight.Grad!), 1e-12, "dw");
    }

    [Fact]
    public void Chunked_convolution_gives_the_same_bits_on_any_thread_count()
    {
        var rng = new Generator(5);
        var x0 = Tensor.RandN([30, 32, 16, 16], rng);
        var w0 = Tensor.RandN([16, 32, 3, 3], rng);
        var up = Tensor.RandN([30, 16, 16, 16], rng);
        ConvDirectTests.AssertSameBitsOnAnyThreadCount(() => ConvDirectTests.ForwardBackward(x0, w0, up));
    }

    [Fact]
    public void Kernels_called_from_a_worker_run_on_that_worker_alone()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 4;
            Assert.Equal(4, Parallelism.Available);
            var seen = new int[8];
            Partition.For(8, long.MaxValue, (start, end) =>
            {
                for (int i = start; i < end; i++) seen[i] = Parallelism.Available;
            });
            Assert.All(seen, v => Assert.Equal(1, v));
            Assert.Equal(4, Parallelism.Available);   // restored on the calling thread
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
