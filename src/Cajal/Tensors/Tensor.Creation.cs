namespace Cajal;

public sealed partial class Tensor
{
    private static int[] CheckShape(int[] shape, string op)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension {d} in shape {Shape.Format(shape)}.");
        _ = Shape.Wrap(shape).Count;   // throws on overflow
        return (int[])shape.Clone();
    }

    private static Tensor FromData(Array data, int length, int[] shape, DType dtype, bool requiresGrad, string op)
    {
        var dims = CheckShape(shape, op);
        int count = Shape.Wrap(dims).Count;
        if (count != length)
            throw new ArgumentException($"{op}: {length} values cannot fill shape {Shape.Format(dims)} ({count} elements).");
        return new Tensor(data, dims, dtype) { RequiresGrad = requiresGrad };
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    /// <remarks>With no shape the result is 1-D.</remarks>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromData((float[])data.Clone(), data.Length, shape.Length == 0 ? [data.Length] : shape, DType.Float32, false, "FromArray");
    }

    /// <summary>A float64 tensor holding a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    public static Tensor FromArray(double[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromData((double[])data.Clone(), data.Length, shape.Length == 0 ? [data.Length] : shape, DType.Float64, false, "FromArray");
    }

    /// <summary>An int64 tensor holding a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    public static Tensor FromArray(long[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromData((long[])data.Clone(), data.Length, shape.Length == 0 ? [data.Length] : shape, DType.Int64, false, "FromArray");
    }

    /// <summary>A tensor from a multi-dimensional C# array of float, double or long (e.g. <c>new double[,] {{1, 2}, {3, 4}}</c>).</summary>
    public static Tensor FromArray(Array data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new int[data.Rank];
        for (int d = 0; d < dims.Length; d++) dims[d] = data.GetLength(d);
        var elementType = data.GetType().GetElementType();
        if (elementType == typeof(float)) return new Tensor(Flatten<float>(data), dims, DType.Float32);
        if (elementType == typeof(double)) return new Tensor(Flatten<double>(data), dims, DType.Float64);
        if (elementType == typeof(long)) return new Tensor(Flatten<long>(data), dims, DType.Int64);
        if (elementType == typeof(int)) return new Tensor(Flatten<int>(data).Select(v => (long)v).ToArray(), dims, DType.Int64);
        throw new ArgumentException($"FromArray: element type {elementType?.Name} is not supported (use float, double, long or int).");
    }

    private static T[] Flatten<T>(Array data)
    {
        var flat = new T[data.Length];
        int i = 0;
        foreach (T v in data) flat[i++] = v;   // enumerates a multi-dimensional array in row-major order
        return flat;
    }

    /// <summary>A 0-dimensional tensor holding one value.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, bool requiresGrad = false) =>
        Full([], value, dtype, requiresGrad);

    /// <summary>A tensor filled with zeros.</summary>
    public static Tensor Zeros(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var t = Empty(CheckShape(shape, "Zeros"), dtype);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>A tensor filled with ones.</summary>
    public static Tensor Ones(int[] shape, DType dtype = DType.Float32, bool requiresGrad = false) => Full(shape, 1.0, dtype, requiresGrad);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var t = Empty(CheckShape(shape, "Full"), dtype);
        t.FillRaw(value);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>A zero tensor with the shape of <paramref name="other"/> and its dtype (or <paramref name="dtype"/>).</summary>
    public static Tensor ZerosLike(Tensor other, DType? dtype = null) => Zeros(other.Shape.ToArray(), dtype ?? other.DType);

    /// <summary>A tensor of ones with the shape of <paramref name="other"/> and its dtype (or <paramref name="dtype"/>).</summary>
    public static Tensor OnesLike(Tensor other, DType? dtype = null) => Ones(other.Shape.ToArray(), dtype ?? other.DType);

    /// <summary>Values start, start + step, … up to but excluding end (PyTorch's <c>arange</c>).</summary>
    /// <remarks>
    /// Without a dtype the result is Int64 when start, end and step are all whole numbers and Float32 otherwise,
    /// as PyTorch infers it from its arguments.
    /// </remarks>
    public static Tensor Arange(double start, double end, double step = 1.0, DType? dtype = null)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException("Arange: step must be non-zero.");
        if (!double.IsFinite(start) || !double.IsFinite(end)) throw new ArgumentException($"Arange: start ({start}) and end ({end}) must be finite.");
        var type = dtype ?? (IsWhole(start) && IsWhole(end) && IsWhole(step) ? DType.Int64 : DType.Float32);
        double n = Math.Ceiling((end - start) / step);
        if (n > int.MaxValue) throw new ArgumentException($"Arange: {n} elements is too many.");
        int count = Math.Max(0, (int)n);
        var t = Empty([count], type);
        for (int i = 0; i < count; i++) t.SetFromDouble(i, start + i * step);
        return t;
    }

    /// <summary>Values 0, 1, …, end − 1 (Int64 when end is a whole number).</summary>
    public static Tensor Arange(double end) => Arange(0, end);

    private static bool IsWhole(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15;

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int steps, DType dtype = DType.Float32)
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}.");
        var t = Empty([steps], dtype);
        if (steps == 1) t.SetFromDouble(0, start);
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // Like PyTorch, fill the second half from the end so both endpoints are exact.
        for (int i = 0; i < steps && steps > 1; i++)
            t.SetFromDouble(i, i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        return t;
    }

    /// <summary>An n×m matrix with ones on the diagonal (m defaults to n).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var t = Zeros([n, cols], dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) t.SetFromDouble(i * cols + i, 1.0);
        return t;
    }

    /// <summary>Uniform samples from [0, 1), drawn in row-major order from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var g = generator ?? Generator.Default;
        var t = Empty(CheckShape(shape, "Rand"), dtype);
        switch (dtype)
        {
            case DType.Float32:
                var f = t.Span<float>();
                for (int i = 0; i < f.Length; i++) f[i] = g.NextSingle();
                break;
            case DType.Float64:
                var d = t.Span<double>();
                for (int i = 0; i < d.Length; i++) d[i] = g.NextDouble();
                break;
            default:
                throw new ArgumentException("Rand: dtype must be Float32 or Float64; use RandInt for integers.");
        }
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Standard normal samples, drawn in row-major order from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public static Tensor RandN(int[] shape, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException("RandN: dtype must be Float32 or Float64.");
        var g = generator ?? Generator.Default;
        var t = Empty(CheckShape(shape, "RandN"), dtype);
        for (int i = 0; i < t.Count; i++) t.SetFromDouble(i, g.NextNormal());
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Uniform integers in [low, high) (int64 by default).</summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null, DType dtype = DType.Int64)
    {
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must be greater than low ({low}).");
        var g = generator ?? Generator.Default;
        var t = Empty(CheckShape(shape, "RandInt"), dtype);
        if (dtype == DType.Int64)
        {
            var span = t.Span<long>();
            for (int i = 0; i < span.Length; i++) span[i] = g.NextInt64(low, high);
        }
        else
        {
            for (int i = 0; i < t.Count; i++) t.SetFromDouble(i, g.NextInt64(low, high));
        }
        return t;
    }

    /// <summary>Sets every element of a fresh, contiguous tensor.</summary>
    private void FillRaw(double value)
    {
        switch (DType)
        {
            case DType.Float32: Span<float>().Fill((float)value); break;
            case DType.Float64: Span<double>().Fill(value); break;
            default: Span<long>().Fill((long)value); break;
        }
    }
}
