using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>The binary element-wise operations.</summary>
internal enum BinaryOp { Add, Sub, Mul, Div, Max, Min, Pow, Eq, Ne, Lt, Le, Gt, Ge }

/// <summary>The unary element-wise operations that have a vectorised primitive.</summary>
internal enum UnaryOp { Neg, Exp, Log, Sqrt, Abs, Sigmoid, Tanh, Relu }

/// <summary>
/// Binary and unary element-wise kernels over spans: vectorised through TensorPrimitives, with the scalar
/// <c>Scalar</c> functions as the reference behaviour and the path for strided rows.
/// </summary>
internal static class Elementwise
{
    /// <summary>The scalar definition of each binary op (comparisons give 1 or 0).</summary>
    public static T Scalar<T>(BinaryOp op, T x, T y) where T : unmanaged, INumber<T> => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Sub => x - y,
        BinaryOp.Mul => x * y,
        BinaryOp.Div => x / y,
        BinaryOp.Max => T.IsNaN(x) || T.IsNaN(y) ? x + y : T.Max(x, y),
        BinaryOp.Min => T.IsNaN(x) || T.IsNaN(y) ? x + y : T.Min(x, y),
        BinaryOp.Pow => PowScalar(x, y),
        BinaryOp.Eq => x == y ? T.One : T.Zero,
        BinaryOp.Ne => x != y ? T.One : T.Zero,
        BinaryOp.Lt => x < y ? T.One : T.Zero,
        BinaryOp.Le => x <= y ? T.One : T.Zero,
        BinaryOp.Gt => x > y ? T.One : T.Zero,
        BinaryOp.Ge => x >= y ? T.One : T.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static T PowScalar<T>(T x, T y) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float)) return T.CreateTruncating(MathF.Pow(float.CreateTruncating(x), float.CreateTruncating(y)));
        if (typeof(T) == typeof(double)) return T.CreateTruncating(Math.Pow(double.CreateTruncating(x), double.CreateTruncating(y)));
        return T.CreateTruncating(Math.Pow(double.CreateTruncating(x), double.CreateTruncating(y)));
    }

    /// <summary>d[i] = x[i] op y[i].</summary>
    public static void Binary<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); return;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); return;
            case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, d); return;
            case BinaryOp.Div when typeof(T) != typeof(long): TensorPrimitives.Divide(x, y, d); return;
            case BinaryOp.Max: TensorPrimitives.Max(x, y, d); return;
            case BinaryOp.Min: TensorPrimitives.Min(x, y, d); return;
            default:
                for (int i = 0; i < d.Length; i++) d[i] = Scalar(op, x[i], y[i]);
                return;
        }
    }

    /// <summary>d[i] = x[i] op y.</summary>
    public static void Binary<T>(BinaryOp op, ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); return;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); return;
            case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, d); return;
            case BinaryOp.Div when typeof(T) != typeof(long): TensorPrimitives.Divide(x, y, d); return;
            case BinaryOp.Max: TensorPrimitives.Max(x, y, d); return;
            case BinaryOp.Min: TensorPrimitives.Min(x, y, d); return;
            default:
                for (int i = 0; i < d.Length; i++) d[i] = Scalar(op, x[i], y);
                return;
        }
    }

    /// <summary>d[i] = x op y[i].</summary>
    public static void Binary<T>(BinaryOp op, T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(y, x, d); return;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); return;
            case BinaryOp.Mul: TensorPrimitives.Multiply(y, x, d); return;
            case BinaryOp.Div when typeof(T) != typeof(long): TensorPrimitives.Divide(x, y, d); return;
            case BinaryOp.Max: TensorPrimitives.Max(y, x, d); return;
            case BinaryOp.Min: TensorPrimitives.Min(y, x, d); return;
            default:
                for (int i = 0; i < d.Length; i++) d[i] = Scalar(op, x, y[i]);
                return;
        }
    }

    /// <summary>out = a op b with broadcasting: a and b are strided views already expanded to <paramref name="dims"/>; out is contiguous.</summary>
    public static void BinaryStrided<T>(BinaryOp op, T[] a, int aOffset, int[] aStrides, T[] b, int bOffset, int[] bStrides, T[] output, int[] dims)
        where T : unmanaged, INumber<T>
    {
        var walker = new RowWalker(dims, [aStrides, bStrides, Shape.ContiguousStrides(dims)], [aOffset, bOffset, 0]);
        int n = walker.RowLength, sa = walker.InnerStrides[0], sb = walker.InnerStrides[1];
        for (int r = 0; r < walker.Rows; r++)
        {
            int ao = walker.Offsets[0], bo = walker.Offsets[1], oo = walker.Offsets[2];
            var dst = output.AsSpan(oo, n);
            if (sa == 1 && sb == 1) Binary(op, a.AsSpan(ao, n), b.AsSpan(bo, n), dst);
            else if (sa == 1 && sb == 0) Binary(op, a.AsSpan(ao, n), b[bo], dst);
            else if (sa == 0 && sb == 1) Binary(op, a[ao], b.AsSpan(bo, n), dst);
            else
                for (int i = 0; i < n; i++) dst[i] = Scalar(op, a[ao + i * sa], b[bo + i * sb]);
            walker.Next();
        }
    }

    /// <summary>The scalar definition of each unary op.</summary>
    public static T Scalar<T>(UnaryOp op, T x) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Exp => T.Exp(x),
        UnaryOp.Log => T.Log(x),
        UnaryOp.Sqrt => T.Sqrt(x),
        UnaryOp.Abs => T.Abs(x),
        UnaryOp.Sigmoid => T.One / (T.One + T.Exp(-x)),
        UnaryOp.Tanh => T.Tanh(x),
        UnaryOp.Relu => x > T.Zero ? x : (T.IsNaN(x) ? x : T.Zero),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>
    /// Whether <see cref="Unary{T}"/> gives each element the same bits however the span is cut
    /// (<see cref="Partition.ForSlices"/>): basic IEEE operations, selects and scalar loops. Not Exp, Log and Sigmoid:
    /// TensorPrimitives computes them with vector approximations, and whether their bits depend on where a span is cut
    /// has not been checked.
    /// </summary>
    public static bool SliceSafe(UnaryOp op) => op is not (UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sigmoid);

    /// <summary>d[i] = op(x[i]), vectorised.</summary>
    public static void Unary<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.IsEmpty) return;   // TensorPrimitives.Sigmoid throws on empty spans
        switch (op)
        {
            case UnaryOp.Neg: TensorPrimitives.Negate(x, d); return;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, d); return;
            case UnaryOp.Log: TensorPrimitives.Log(x, d); return;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, d); return;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, d); return;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, d); return;
            case UnaryOp.Tanh:
                // Not TensorPrimitives.Tanh: in System.Numerics.Tensors 11.0.0 it cancels catastrophically
                // near 0 (float tanh(0) = −6e-8, tanh(1e-6) off by 5%; double tanh(1e-7) off by 1e-9 relative).
                for (int i = 0; i < d.Length; i++) d[i] = T.Tanh(x[i]);
                return;
            case UnaryOp.Relu: TensorPrimitives.Max(x, T.Zero, d); return;
            default:
                for (int i = 0; i < d.Length; i++) d[i] = Scalar(op, x[i]);
                return;
        }
    }

    /// <summary>Negation for integer spans.</summary>
    public static void NegateInteger(ReadOnlySpan<long> x, Span<long> d) => TensorPrimitives.Negate(x, d);

    /// <summary>d[i] = cond[i] != 0 ? a[i] : b[i] over contiguous spans.</summary>
    public static void Where<T>(ReadOnlySpan<T> cond, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = cond[i] != T.Zero ? a[i] : b[i];
    }
}
