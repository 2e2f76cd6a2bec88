namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>
    /// y = x·Wᵀ + b as one recorded op: x (…, in), W (out, in), b (out) or null → y (…, out); with <paramref name="relu"/>,
    /// y = ReLU(x·Wᵀ + b), the op of a Linear layer followed by ReLU.
    /// </summary>
    /// <remarks>
    /// <para>The same GEMMs as <c>x.MatMul(W.T) + b</c>, with the same sums, but without the transposed view, the broadcast add
    /// and their graph nodes, and with the weight gradient computed as gᵀ·x directly in W's (out, in) layout; going
    /// through MatMul, it came out as (x ᵀ·g)ᵀ, a transposed view that had to be copied into W's gradient.
    /// Backward: ∂x = g·W, ∂W = gᵀ·x, ∂b = Σ_rows g. The caller (Functional.Linear) has checked the shapes and dtypes.</para>
    /// <para>The bias and the ReLU are the GEMM's epilogue (<see cref="Kernels.GemmEpilogue{T}"/>): applied to each tile of y
    /// as it is finished, with the bits of the separate add and ReLU. With the ReLU the backward first keeps g where
    /// y &gt; 0, as ReLU's own backward does, so the gradients are those of the two ops as well.</para>
    /// </remarks>
    internal static Tensor LinearOp(Tensor x, Tensor weight, Tensor? bias, bool relu = false)
    {
        int inFeatures = weight._dims[1], outFeatures = weight._dims[0];
        int[] lead = x._dims[..^1];
        int rows = Shape.Wrap(lead).Count;
        var x2 = AsMatrix(x.IsContiguous ? x : x.Detach().Contiguous(), rows, inFeatures);
        var y = Product2D(x2, transposeA: false, weight, transposeB: true, bias?.Contiguous(), relu);   // (rows, out) = act(x · Wᵀ + b)
        if (lead.Length != 1) y = y.ViewOf([.. lead, outFeatures], Shape.ContiguousStrides([.. lead, outFeatures]), 0);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(y, relu ? "Linear+ReLU" : "Linear", inputs, g =>
        {
            var g2 = AsMatrix(relu ? ReluGradient(y, g) : g.Contiguous(), rows, outFeatures);
            Tensor? gx = null, gw = null, gb = null;
            if (x.RequiresGrad)
            {
                gx = Product2D(g2, transposeA: false, weight, transposeB: false);   // ∂x (rows, in) = g · W
                if (lead.Length != 1) gx = gx.ViewOf((int[])x._dims.Clone(), Shape.ContiguousStrides(x._dims), 0);
            }
            if (weight.RequiresGrad)
                gw = Product2D(g2, transposeA: true, x2, transposeB: false);        // ∂W (out, in) = gᵀ · x
            if (bias is not null && bias.RequiresGrad)
                gb = rows == 0 ? Zeros([outFeatures], x.DType) : g2.Sum(0);
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>g where ReLU's output y &gt; 0, else 0 (<see cref="Kernels.Activations.ReluBackward{T}"/>), as a new contiguous
    /// tensor: the backward of <see cref="Relu"/> and of the fused Linear+ReLU.</summary>
    internal static Tensor ReluGradient(Tensor y, Tensor g) =>
        BackwardFromOutput(y, g, Kernels.Activations.ReluBackward, Kernels.Activations.ReluBackward);

    /// <summary>A contiguous tensor seen as a (rows, cols) matrix: itself when it already is one, else a view.</summary>
    private static Tensor AsMatrix(Tensor t, int rows, int cols) =>
        t.Rank == 2 ? t : t.ViewOf([rows, cols], [cols, 1], t.Offset);
}
