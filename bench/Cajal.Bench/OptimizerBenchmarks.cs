using BenchmarkDotNet.Attributes;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// One SGD-with-momentum step over LeNet-5's 61,706 parameters whose gradient is zero and whose momentum buffers have
/// decayed into the subnormal range, as a third of them had after an epoch of the benchmark's training: the kernel,
/// which flushes such buffers to zero, against the same arithmetic without the flush (PyTorch's), which keeps them.
/// </summary>
[MemoryDiagnoser]
public class OptimizerBenchmarks
{
    private float[] _p = [], _g = [], _b = [], _bRef = [];

    [Params(0.0, 0.33)]
    public double SubnormalShare { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int n = 61_706;
        var rng = new Random(1);
        _p = new float[n];
        _g = new float[n];
        _b = new float[n];
        _bRef = new float[n];
        for (int i = 0; i < n; i++)
        {
            _p[i] = (float)(rng.NextDouble() - 0.5);
            bool dead = rng.NextDouble() < SubnormalShare;
            _g[i] = dead ? 0f : (float)(rng.NextDouble() - 0.5) * 1e-3f;
            // 1–4 × 2⁻¹⁴⁹: where 0.9·b rounds back to b, so the unflushed buffer stays subnormal step after step.
            _b[i] = _bRef[i] = dead ? rng.Next(1, 5) * float.Epsilon : (float)(rng.NextDouble() - 0.5) * 1e-2f;
        }
    }

    /// <summary>The kernel, in its steady state: after its first call the flushed buffers are zero.</summary>
    [Benchmark]
    public void Kernel() =>
        OptimizerKernels.Sgd<float>(_p, _g, _b, -0.05f, 0f, 0.9f, 1f, nesterov: false, maximize: false, firstStep: false);

    /// <summary>The same operations without the flush, on its own buffer, whose subnormal values stay as they are.</summary>
    [Benchmark(Baseline = true)]
    public void Unflushed()
    {
        var vLr = new System.Numerics.Vector<float>(-0.05f);
        var vMom = new System.Numerics.Vector<float>(0.9f);
        var one = System.Numerics.Vector<float>.One;
        int i = 0, w = System.Numerics.Vector<float>.Count;
        for (; i <= _p.Length - w; i += w)
        {
            var b = new System.Numerics.Vector<float>(_bRef, i) * vMom + one * new System.Numerics.Vector<float>(_g, i);
            b.CopyTo(_bRef, i);
            (new System.Numerics.Vector<float>(_p, i) + vLr * b).CopyTo(_p, i);
        }
        for (; i < _p.Length; i++)
        {
            _bRef[i] = _bRef[i] * 0.9f + _g[i];
            _p[i] += -0.05f * _bRef[i];
        }
    }
}
