using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cajal.Kernels;

/// <summary>
/// What <see cref="Gemm.Multiply{T}"/> does to each element of C after its last product term: add a bias (one value per
/// column, as a Linear layer's, or per row, as a convolution's output channel), then optionally ReLU.
/// </summary>
/// <remarks>
/// <para>Why: a Linear layer's bias add and the ReLU after it were each a pass over the output, on one thread, after
/// the product; the packed driver applies them to each register tile right after its last kc block, while the tile is
/// still in L1, on the thread that computed it. Where the tile comes from the AVX-512 kernel that reads A in place (a
/// Linear layer's product) and the bias is per column, the kernel applies them on its registers before its one store
/// (<see cref="GemmAvx512.KernelRowsA{T}"/>); elsewhere <see cref="Apply"/> runs over the stored tile.</para>
/// <para>The bits are those of the separate ops: C = fl(Σ + b) with Σ the finished product (as an add of the bias after
/// the GEMM), then ReLU as <see cref="UnaryOp.Relu"/>: x &gt; 0 ? x : (NaN ? x : 0), so −0 becomes 0 and NaN stays.</para>
/// </remarks>
internal readonly struct GemmEpilogue<T> where T : unmanaged, INumber<T>
{
    /// <summary>The bias, or null for none.</summary>
    public readonly T[]? Bias;

    /// <summary>Where the bias of C's row 0 or column 0 lies in <see cref="Bias"/>.</summary>
    public readonly int BiasOffset;

    /// <summary>True: one bias per row of C (bias[offset + i]); false: one per column (bias[offset + j]).</summary>
    public readonly bool BiasPerRow;

    /// <summary>Whether ReLU follows the bias.</summary>
    public readonly bool Relu;

    public GemmEpilogue(T[]? bias, int biasOffset = 0, bool biasPerRow = false, bool relu = false)
    {
        if (relu && typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"GEMM epilogue: ReLU is for float and double, not {typeof(T).Name}.");
        (Bias, BiasOffset, BiasPerRow, Relu) = (bias, biasOffset, biasPerRow, relu);
    }

    /// <summary>True when there is nothing to do.</summary>
    public bool IsEmpty => Bias is null && !Relu;

    /// <summary>The same epilogue for the part of C that starts at row <paramref name="row"/>, column <paramref name="column"/>.</summary>
    public GemmEpilogue<T> From(int row, int column) =>
        Bias is null ? this : new(Bias, BiasOffset + (BiasPerRow ? row : column), BiasPerRow, Relu);

    /// <summary>Applies the epilogue to C[i0.., j0..] for <paramref name="rows"/> × <paramref name="cols"/> elements at c, rows ldc apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Apply(T* c, nint ldc, int i0, int j0, int rows, int cols)
    {
        if (IsEmpty || rows <= 0 || cols <= 0) return;
        fixed (T* bias = Bias)
            for (int ii = 0; ii < rows; ii++)
            {
                T* row = c + ii * ldc;
                if (bias is null) Row(row, cols, false, null, T.Zero, Relu);
                else if (BiasPerRow) Row(row, cols, true, null, bias[BiasOffset + i0 + ii], Relu);
                else Row(row, cols, true, bias + BiasOffset + j0, T.Zero, Relu);
            }
    }

    /// <summary>row[j] = act(row[j] + (columnBias?[j] ?? rowBias)) for j &lt; cols; without a bias no add at all (x + 0 would turn −0 into 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(T* row, int cols, bool hasBias, T* columnBias, T rowBias, bool relu)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            var zero = Vector256<T>.Zero;
            var rb = Vector256.Create(rowBias);
            for (; j <= cols - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var v = Vector256.Load(row + j);
                if (hasBias) v += columnBias is null ? rb : Vector256.Load(columnBias + j);
                if (relu)
                {
                    // Keep x where x > 0 or x is NaN (x ≠ x), else 0: the scalar rule below, lane by lane.
                    var keep = Vector256.GreaterThan(v, zero) | ~Vector256.Equals(v, v);
                    v = Vector256.ConditionalSelect(keep, v, zero);
                }
                v.Store(row + j);
            }
        }
        for (; j < cols; j++)
        {
            T v = row[j];
            if (hasBias) v += columnBias is null ? rowBias : columnBias[j];
            if (relu && !(v > T.Zero) && !T.IsNaN(v)) v = T.Zero;
            row[j] = v;
        }
    }
}
