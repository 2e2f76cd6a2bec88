using Cajal.Kernels;

namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>Applies a float kernel element-wise and records a backward kernel that needs the input and the upstream gradient.</summary>
    internal Tensor MapWithGrad(string name, SpanMap<float> f32, SpanMap<double> f64, SpanGrad<float> b32, SpanGrad<double> b64)
    {
        RequireFloat(name);
        var x = Contiguous();
        var output = UninitializedLike(this);
        if (DType == DType.Float32) f32(x.Span<float>(), output.Span<float>());
        else f64(x.Span<double>(), output.Span<double>());
        return Autograd.Record(output, name, [this], g =>
        {
            var gc = g.Contiguous();
            var dx = UninitializedLike(x);
            if (DType == DType.Float32) b32(x.Span<float>(), gc.Span<float>(), dx.Span<float>());
            else b64(x.Span<double>(), gc.Span<double>(), dx.Span<double>());
            return [dx];
        });
    }

    /// <summary>The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ).</summary>
    public Tensor Sigmoid()
    {
        var y = UnaryForward(UnaryOp.Sigmoid, "Sigmoid");
        // σ' = σ(1 − σ): g·(1 − y)·y in one fused pass over (y, g)
        return Autograd.Record(y, "Sigmoid", [this], g => [BackwardFromOutput(y, g, Kernels.Activations.SigmoidBackward, Kernels.Activations.SigmoidBackward)]);
    }

    /// <summary>The hyperbolic tangent.</summary>
    public Tensor Tanh()
    {
        var y = UnaryForward(UnaryOp.Tanh, "Tanh");
        // tanh' = 1 − tanh²: g·(1 − y·y) in one fused pass over (y, g)
        return Autograd.Record(y, "Tanh", [this], g => [BackwardFromOutput(y, g, Kernels.Activations.TanhBackward, Kernels.Activations.TanhBackward)]);
    }

    /// <summary>dx from the op's contiguous output y and the upstream gradient, by a fused kernel for each float type.</summary>
    /// <remarks>The kernels compute the same IEEE operations in their vector body and scalar tail, so large tensors are
    /// cut into slices for the worker threads (<see cref="Partition.ForSlices"/>) with the same bits.</remarks>
    internal static Tensor BackwardFromOutput(Tensor y, Tensor g, SpanGrad<float> f32, SpanGrad<double> f64)
    {
        var gc = g.Contiguous();
        var dx = UninitializedLike(y);
        int n = y.Count;
        if (n >= Partition.MinParallelWork)
            Slices(y, gc, dx, f32, f64);
        else
            Slice(y, gc, dx, f32, f64, 0, n);
        return dx;

        // In a method of its own, so that only large tensors allocate the closure.
        static void Slices(Tensor y, Tensor gc, Tensor dx, SpanGrad<float> f32, SpanGrad<double> f64) =>
            Partition.ForSlices(y.Count, y.Count, (s, e) => Slice(y, gc, dx, f32, f64, s, e));

        static void Slice(Tensor y, Tensor gc, Tensor dx, SpanGrad<float> f32, SpanGrad<double> f64, int s, int e)
        {
            if (y.DType == DType.Float32) f32(y.Span<float>()[s..e], gc.Span<float>()[s..e], dx.Span<float>()[s..e]);
            else f64(y.Span<double>()[s..e], gc.Span<double>()[s..e], dx.Span<double>()[s..e]);
        }
    }

    /// <summary>max(x, 0); the gradient at 0 is 0.</summary>
    public Tensor Relu()
    {
        var y = UnaryForward(UnaryOp.Relu, "Relu");
        // d/dx = 1 where y > 0, else 0: one fused pass over (y, g), no mask tensor.
        return Autograd.Record(y, "Relu", [this], g => [ReluGradient(y, g)]);
    }

    /// <summary>Softmax along <paramref name="dim"/>: exp(x − max) / Σ exp(x − max).</summary>
    public Tensor Softmax(int dim)
    {
        RequireFloat("Softmax");
        int d = Shape.NormalizeDim(dim, Rank, "Softmax");
        return LogSoftmax(d).Exp();
    }

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed as (x − m) − logsumexp(x − m), m the maximum, so large logits are safe.</summary>
    public Tensor LogSoftmax(int dim)
    {
        RequireFloat("LogSoftmax");
        if (Rank == 0) return this - LogSumExp([], keepDim: true);
        int d = Shape.NormalizeDim(dim, Rank, "LogSoftmax");
        // Shift by the maximum (a constant for the gradient) before anything else: x − m is exact near the
        // top, whereas x − logsumexp(x) rounds log Σ exp at the magnitude of x (1e-4 relative error in
        // float32 softmax of logits near 1000). An infinite maximum shifts by 0, as in LogSumExp.
        Tensor m;
        using (Autograd.NoGrad())
        {
            m = Max(d, keepDim: true).Values;
            m = Where(m.Abs().Eq(double.PositiveInfinity), ScalarLike(0), m);
        }
        var shifted = this - m;
        return shifted - shifted.LogSumExp([d], keepDim: true);
    }
}
