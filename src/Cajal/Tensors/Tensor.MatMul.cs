using Cajal.Kernels;

namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>Matrix product with PyTorch's <c>matmul</c> rules: 1-D·1-D, matrix·vector, batched and broadcast batches.</summary>
    /// <remarks>
    /// Shapes: (K)·(K) → (); (M, K)·(K, N) → (M, N); (…, M, K)·(…, K, N) → (broadcast …, M, N). A 1-D left operand
    /// is treated as (1, K) and a 1-D right operand as (K, 1), and the inserted dimension is removed afterwards.
    /// </remarks>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: {Shape} @ {other.Shape}: both operands need at least one dimension.");
        CheckSameDType(this, other, "MatMul");
        int k1 = _dims[^1], k2 = other.Rank == 1 ? other._dims[0] : other._dims[^2];
        if (k1 != k2)
            throw new ArgumentException($"MatMul: {Shape} @ {other.Shape}: inner dimensions {k1} and {k2} differ.");

        // Promote vectors to matrices, multiply, then drop the inserted dimensions (their views record the backward).
        var a = Rank == 1 ? Unsqueeze(0) : this;
        var b = other.Rank == 1 ? other.Unsqueeze(1) : other;
        var result = MatMulBatched(a, b);
        if (other.Rank == 1) result = result.Squeeze(-1);
        if (Rank == 1) result = result.Squeeze(other.Rank == 1 ? -1 : -2);
        return result;
    }

    /// <summary>(…, M, K)·(…, K, N) with broadcast batch dims; both operands have rank ≥ 2.</summary>
    private static Tensor MatMulBatched(Tensor a, Tensor b)
    {
        if (a.Rank == 2 && b.Rank == 2) return MatMul2D(a, b);
        int m = a._dims[^2], k = a._dims[^1], n = b._dims[^1];
        var batch = Shape.Broadcast(a._dims.AsSpan(0, a.Rank - 2), b._dims.AsSpan(0, b.Rank - 2), "MatMul");
        var outDims = (int[])[.. batch, m, n];
        var output = Uninitialized(outDims, a.DType);
        var ae = a.Detach().Expand([.. batch, m, k]);
        var be = b.Detach().Expand([.. batch, k, n]);
        int batchCount = Shape.Wrap(batch).Count;
        switch (a.DType)
        {
            case DType.Float32: GemmBatched<float>(ae, be, output, batch, batchCount, m, n, k); break;
            case DType.Float64: GemmBatched<double>(ae, be, output, batch, batchCount, m, n, k); break;
            default: GemmBatched<long>(ae, be, output, batch, batchCount, m, n, k); break;
        }
        int[] aShape = a.Shape.ToArray(), bShape = b.Shape.ToArray();
        return Autograd.Record(output, "MatMul", [a, b], g =>
        {
            // C = A·B  ⇒  dA = dC·Bᵀ,  dB = Aᵀ·dC  (summed over broadcast batch dims)
            var ga = a.RequiresGrad ? MatMulBatched(g, b.Transpose(-1, -2)).SumTo(aShape) : null;
            var gb = b.RequiresGrad ? MatMulBatched(a.Transpose(-1, -2), g).SumTo(bShape) : null;
            return [ga, gb];
        });
    }

    /// <summary>
    /// (M, K)·(K, N) for two matrices: the GEMM reads both through their strides, and the backward's products read the
    /// transposes the same way, so no view, broadcast or batch bookkeeping is allocated (this is most of the per-op cost
    /// of small products, like the article's 4×3·3×4).
    /// </summary>
    private static Tensor MatMul2D(Tensor a, Tensor b)
    {
        var output = Product2D(a, transposeA: false, b, transposeB: false);
        return Autograd.Record(output, "MatMul", [a, b], g =>
        {
            // C = A·B  ⇒  dA = dC·Bᵀ,  dB = Aᵀ·dC
            var ga = a.RequiresGrad ? Product2D(g, transposeA: false, b, transposeB: true) : null;
            var gb = b.RequiresGrad ? Product2D(a, transposeA: true, g, transposeB: false) : null;
            return [ga, gb];
        });
    }

    /// <summary>
    /// op(a)·op(b) into a new contiguous matrix, op = transpose where asked, read through the strides; then, if given, a
    /// contiguous bias (one per column) and ReLU as the GEMM's epilogue (floating point only).
    /// </summary>
    private static Tensor Product2D(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor? bias = null, bool relu = false)
    {
        int ar = transposeA ? 1 : 0, ac = 1 - ar, br = transposeB ? 1 : 0, bc = 1 - br;
        int m = a._dims[ar], k = a._dims[ac], n = b._dims[bc];
        var output = Uninitialized([m, n], a.DType);
        switch (a.DType)
        {
            case DType.Float32:
                Gemm.Multiply(m, n, k, a.Array<float>(), a.Offset, a.Stride(ar), a.Stride(ac),
                    b.Array<float>(), b.Offset, b.Stride(br), b.Stride(bc), output.Array<float>(), 0, n, accumulate: false,
                    new GemmEpilogue<float>(bias?.Array<float>(), bias?.Offset ?? 0, relu: relu));
                break;
            case DType.Float64:
                Gemm.Multiply(m, n, k, a.Array<double>(), a.Offset, a.Stride(ar), a.Stride(ac),
                    b.Array<double>(), b.Offset, b.Stride(br), b.Stride(bc), output.Array<double>(), 0, n, accumulate: false,
                    new GemmEpilogue<double>(bias?.Array<double>(), bias?.Offset ?? 0, relu: relu));
                break;
            default:
                if (bias is not null || relu) throw new NotSupportedException($"Product2D: a bias or ReLU epilogue is for floating point, not {a.DType}.");
                Gemm.Multiply(m, n, k, a.Array<long>(), a.Offset, a.Stride(ar), a.Stride(ac),
                    b.Array<long>(), b.Offset, b.Stride(br), b.Stride(bc), output.Array<long>(), 0, n, accumulate: false);
                break;
        }
        return output;
    }

    private static void GemmBatched<T>(Tensor a, Tensor b, Tensor output, int[] batch, int batchCount, int m, int n, int k)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        // Offsets of each batch matrix, walked with the batch dims' strides (0 where broadcast).
        var aArr = a.Array<T>();
        var bArr = b.Array<T>();
        var cArr = output.Array<T>();
        int r = batch.Length;
        var index = new int[r];
        for (int t = 0; t < batchCount; t++)
        {
            int ao = a.Offset, bo = b.Offset;
            for (int d = 0; d < r; d++)
            {
                ao += index[d] * a.Stride(d);
                bo += index[d] * b.Stride(d);
            }
            Gemm.Multiply(m, n, k,
                aArr, ao, a.Stride(r), a.Stride(r + 1),
                bArr, bo, b.Stride(r), b.Stride(r + 1),
                cArr, t * m * n, n, accumulate: false);
            for (int d = r - 1; d >= 0; d--)
            {
                if (++index[d] < batch[d]) break;
                index[d] = 0;
            }
        }
    }
}
