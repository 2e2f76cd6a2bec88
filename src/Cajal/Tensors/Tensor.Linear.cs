using Cajal.Kernels;

namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>
    /// y = x·Wᵀ + b as one recorded op: x (…, in), W (out, in), b (out) or null → y (…, out).
    /// </summary>
    /// <remarks>
    /// The same GEMMs as <c>x.MatMul(W.T) + b</c>, with the same sums, but without the transposed view, the broadcast add
    /// and their graph nodes, and with the weight gradient computed as gᵀ·x directly in W's (out, in) layout; going
    /// through MatMul, it came out as (x ᵀ·g)ᵀ, a transposed view that had to be copied into W's gradient.
    /// Backward: ∂x = g·W, ∂W = gᵀ·x, ∂b = Σ_rows g. The caller (Functional.Linear) has checked the shapes and dtypes.
    /// </remarks>
    internal static Tensor LinearOp(Tensor x, Tensor weight, Tensor? bias)
    {
        int inFeatures = weight._dims[1], outFeatures = weight._dims[0];
        var xc = x.IsContiguous ? x : x.Detach().Contiguous();
        int rows = Shape.Wrap(x._dims[..^1]).Count;
        var y = Uninitialized([.. x._dims[..^1], outFeatures], x.DType);
        switch (x.DType)
        {
            case DType.Float32: LinearForward<float>(xc, weight, bias, y, rows, inFeatures, outFeatures); break;
            default: LinearForward<double>(xc, weight, bias, y, rows, inFeatures, outFeatures); break;
        }
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Autograd.Record(y, "Linear", inputs, g =>
        {
            var gc = g.Contiguous();
            Tensor? gx = null, gw = null, gb = null;
            if (x.RequiresGrad)
            {
                gx = Uninitialized((int[])x._dims.Clone(), x.DType);
                // ∂x (rows, in) = g (rows, out) · W (out, in)
                GemmInto(gc, 0, outFeatures, 1, weight, weight.Offset, weight._strides[0], weight._strides[1], gx, rows, inFeatures, outFeatures);
            }
            if (weight.RequiresGrad)
            {
                gw = Uninitialized([outFeatures, inFeatures], x.DType);
                // ∂W (out, in) = gᵀ (out, rows) · x (rows, in): gᵀ read with swapped strides
                GemmInto(gc, 0, 1, outFeatures, xc, xc.Offset, inFeatures, 1, gw, outFeatures, inFeatures, rows);
            }
            if (bias is not null && bias.RequiresGrad)
                gb = rows == 0 ? Zeros([outFeatures], x.DType) : gc.Reshape(rows, outFeatures).Sum(0);
            return bias is null ? [gx, gw] : [gx, gw, gb];
        });
    }

    /// <summary>y (rows, out) = x (rows, in) · Wᵀ, then y[r, :] += b.</summary>
    private static void LinearForward<T>(Tensor x, Tensor weight, Tensor? bias, Tensor y, int rows, int inFeatures, int outFeatures)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        // Wᵀ[p, j] = W[j, p]: W read with swapped strides.
        Gemm.Multiply(rows, outFeatures, inFeatures,
            x.Array<T>(), x.Offset, inFeatures, 1,
            weight.Array<T>(), weight.Offset, weight._strides[1], weight._strides[0],
            y.Array<T>(), 0, outFeatures, accumulate: false);
        if (bias is null || outFeatures == 0) return;
        var b = bias.Contiguous();
        var bSpan = b.Array<T>().AsSpan(b.Offset, outFeatures);
        var yArr = y.Array<T>();
        for (int r = 0; r < rows; r++)
        {
            var row = yArr.AsSpan(r * outFeatures, outFeatures);
            System.Numerics.Tensors.TensorPrimitives.Add(row, bSpan, row);
        }
    }

    /// <summary>c (m, n), contiguous and fresh = A·B, A read from <paramref name="a"/> at offset with the given strides.</summary>
    private static void GemmInto(Tensor a, int aOffset, int aRowStride, int aColStride,
        Tensor b, int bOffset, int bRowStride, int bColStride, Tensor c, int m, int n, int k)
    {
        if (c.DType == DType.Float32)
            Gemm.Multiply(m, n, k, a.Array<float>(), a.Offset + aOffset, aRowStride, aColStride,
                b.Array<float>(), bOffset, bRowStride, bColStride, c.Array<float>(), 0, n, accumulate: false);
        else
            Gemm.Multiply(m, n, k, a.Array<double>(), a.Offset + aOffset, aRowStride, aColStride,
                b.Array<double>(), bOffset, bRowStride, bColStride, c.Array<double>(), 0, n, accumulate: false);
    }
}
