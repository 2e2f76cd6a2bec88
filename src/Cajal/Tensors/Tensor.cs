using System.Runtime.InteropServices;

namespace Cajal;

/// <summary>An n-dimensional array with a dtype, a shape, strides over shared storage, and autograd.</summary>
/// <remarks>
/// A tensor is a view: <c>Shape</c>, <c>Strides</c> and <c>Offset</c> select elements from a storage
/// array that views (Reshape, Transpose, Narrow, Expand, …) share. Operations allocate contiguous
/// results. When an input requires a gradient and recording is on (see <see cref="Autograd"/>), each
/// operation records how to map its output's gradient back to its inputs.
/// </remarks>
public sealed partial class Tensor
{
    private readonly int[] _dims;
    private int[]? _stridesOrNull;   // null: contiguous, computed on first use (most op results never need them)
    private bool _requiresGrad;
    private VersionCounter? _version;
    private readonly int _count;   // the product of _dims, asked for by nearly every op

    /// <summary>The storage: a <c>float[]</c>, <c>double[]</c> or <c>long[]</c>, shared between views.</summary>
    internal readonly Array Storage;

    /// <summary>Index of element [0, 0, …] in <see cref="Storage"/>.</summary>
    internal readonly int Offset;

    /// <summary>Counts in-place writes to the storage; shared by every view of it (autograd checks it).</summary>
    /// <remarks>Created on first use (a view, an in-place write): a tensor that never has one is at version 0, which is
    /// what a counter starts at, so <see cref="VersionValue"/> reads the same either way.</remarks>
    internal VersionCounter Version
    {
        get
        {
            if (_version is null) Interlocked.CompareExchange(ref _version, new VersionCounter(), null);
            return _version;
        }
    }

    /// <summary>The storage's version without creating a counter.</summary>
    internal int VersionValue => _version?.Value ?? 0;

    /// <summary>The autograd node that produced this tensor; null for leaves and untracked results.</summary>
    internal Node? GradFn { get; set; }

    internal Tensor(Array storage, int[] dims, int[]? strides, int offset, DType dtype, VersionCounter? version = null)
    {
        Storage = storage;
        _version = version;
        _dims = dims;
        _count = Shape.Wrap(dims).Count;
        _stridesOrNull = strides;
        Offset = offset;
        DType = dtype;
    }

    /// <summary>A new contiguous tensor over <paramref name="storage"/> (not copied).</summary>
    internal Tensor(Array storage, int[] dims, DType dtype)
        : this(storage, dims, null, 0, dtype) { }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The sizes of the dimensions.</summary>
    public Shape Shape => Shape.Wrap(_dims);

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _dims.Length;

    /// <summary>The number of elements.</summary>
    public int Count => _count;

    /// <summary>Elements to skip in storage to step by one along each dimension.</summary>
    public int[] Strides => (int[])StrideArray.Clone();

    internal int[] Dims => _dims;

    /// <summary>The strides (not a copy: never modify it); computed and kept on first use for a contiguous result.</summary>
    internal int[] StrideArray => _stridesOrNull ??= Shape.ContiguousStrides(_dims);

    /// <summary>The stride of dimension <paramref name="d"/>, without materialising the strides of a contiguous tensor
    /// (the same value as <see cref="Shape.ContiguousStrides"/>, which counts an empty dimension as 1).</summary>
    internal int Stride(int d)
    {
        if (_stridesOrNull is not null) return _stridesOrNull[d];
        int stride = 1;
        for (int i = _dims.Length - 1; i > d; i--) stride *= Math.Max(_dims[i], 1);
        return stride;
    }

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _dims[Shape.NormalizeDim(dim, Rank, "Size")];

    /// <summary>Whether gradients are computed for this tensor. Only floating-point tensors can require them.</summary>
    /// <remarks>Setting it is allowed on leaves only, as in PyTorch.</remarks>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && !DType.IsFloatingPoint())
                throw new ArgumentException($"RequiresGrad: only floating-point tensors can require gradients, not {DType}.");
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad: it can only be changed on leaf tensors; use Detach() to stop gradients on a computed tensor.");
            _requiresGrad = value;
        }
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; null until then.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>True for tensors created by the user (or computed without recording), false for recorded results.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>True when the elements lie in storage in row-major order without gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            if (_stridesOrNull is null) return true;
            int expected = 1;
            for (int i = _dims.Length - 1; i >= 0; i--)
            {
                if (_dims[i] != 1 && _stridesOrNull[i] != expected) return false;
                expected *= _dims[i];
            }
            return true;
        }
    }

    /// <summary>The contiguous elements as a span; the tensor must be contiguous.</summary>
    internal Span<T> Span<T>() where T : unmanaged
    {
        System.Diagnostics.Debug.Assert(IsContiguous);
        return ((T[])Storage).AsSpan(Offset, Count);
    }

    internal T[] Array<T>() where T : unmanaged => (T[])Storage;

    /// <summary>Allocates an uninitialised-to-zero contiguous tensor.</summary>
    internal static Tensor Empty(int[] dims, DType dtype)
    {
        int n = Shape.Wrap(dims).Count;
        Array storage = dtype switch
        {
            DType.Float32 => new float[n],
            DType.Float64 => new double[n],
            DType.Int64 => new long[n],
            _ => throw new ArgumentException($"Unknown dtype {dtype}."),
        };
        return new Tensor(storage, dims, dtype);
    }

    /// <remarks>The result shares <paramref name="t"/>'s dims array: dims arrays are never modified once a tensor holds one.</remarks>
    internal static Tensor EmptyLike(Tensor t) => Empty(t._dims, t.DType);

    /// <summary>
    /// Allocates a contiguous tensor whose elements are left as they are in memory: only for outputs that a kernel
    /// then writes completely. Skipping the clear saves a pass over every large activation (and the clearing of
    /// fresh large-object-heap pages) per op.
    /// </summary>
    /// <remarks>
    /// With the environment variable <c>CAJAL_POISON_UNINITIALIZED=1</c> the elements are filled with NaN
    /// (Int64: <see cref="PoisonInt64"/>) instead, so that a kernel that misses an element shows up in the tests.
    /// A large storage may be a dead one from <see cref="StoragePool"/>.
    /// </remarks>
    internal static Tensor Uninitialized(int[] dims, DType dtype)
    {
        int n = Shape.Wrap(dims).Count;
        Array storage = dtype switch
        {
            DType.Float32 => Allocate<float>(n, float.NaN),
            DType.Float64 => Allocate<double>(n, double.NaN),
            DType.Int64 => Allocate<long>(n, PoisonInt64),
            _ => throw new ArgumentException($"Unknown dtype {dtype}."),
        };
        return new Tensor(storage, dims, dtype);
    }

    /// <inheritdoc cref="Uninitialized(int[], DType)"/>
    /// <remarks>The result shares <paramref name="t"/>'s dims array, as <see cref="EmptyLike"/>.</remarks>
    internal static Tensor UninitializedLike(Tensor t) => Uninitialized(t._dims, t.DType);

    /// <summary>The Int64 poison value of <see cref="Uninitialized"/> under CAJAL_POISON_UNINITIALIZED=1.</summary>
    internal const long PoisonInt64 = long.MinValue + 0x5A5A;

    /// <summary>Whether <see cref="Uninitialized"/> fills with poison (read once, at start-up).</summary>
    internal static readonly bool PoisonUninitialized = Environment.GetEnvironmentVariable("CAJAL_POISON_UNINITIALIZED") == "1";

    private static T[] Allocate<T>(int n, T poison) where T : unmanaged
    {
        var array = StoragePool.TryTake<T>(n) ?? GC.AllocateUninitializedArray<T>(n);
        if (PoisonUninitialized) array.AsSpan().Fill(poison);
        return array;
    }

    /// <summary>The value of a one-element tensor, converted to double.</summary>
    public double Item()
    {
        if (Count != 1) throw new ArgumentException($"Item: only one-element tensors can be converted to a scalar, this one has shape {Shape}.");
        return GetAsDouble(0);
    }

    /// <summary>The value of a one-element tensor as <typeparamref name="T"/>, which must match the dtype.</summary>
    public T Item<T>() where T : unmanaged
    {
        CheckElementType<T>("Item");
        if (Count != 1) throw new ArgumentException($"Item: only one-element tensors can be converted to a scalar, this one has shape {Shape}.");
        return ((T[])Storage)[Offset];
    }

    /// <summary>A flat row-major copy of the elements; <typeparamref name="T"/> must match the dtype.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>("ToArray");
        return Contiguous().Span<T>().ToArray();
    }

    /// <summary>A flat row-major copy of the elements converted to double.</summary>
    public double[] ToDoubleArray() => To(DType.Float64).ToArray<double>();

    private void CheckElementType<T>(string op)
    {
        if (DTypeExtensions.Of<T>() != DType)
            throw new ArgumentException($"{op}: the tensor's dtype is {DType}, not {typeof(T).Name}; convert with To(DType) first.");
    }

    /// <summary>Reads element <paramref name="flatIndex"/> (row-major) as a double, honouring strides.</summary>
    internal double GetAsDouble(int flatIndex)
    {
        int pos = StorageIndex(flatIndex);
        return DType switch
        {
            DType.Float32 => ((float[])Storage)[pos],
            DType.Float64 => ((double[])Storage)[pos],
            _ => ((long[])Storage)[pos],
        };
    }

    /// <summary>Writes element <paramref name="flatIndex"/> (row-major), honouring strides.</summary>
    internal void SetFromDouble(int flatIndex, double value)
    {
        int pos = StorageIndex(flatIndex);
        switch (DType)
        {
            case DType.Float32: ((float[])Storage)[pos] = (float)value; break;
            case DType.Float64: ((double[])Storage)[pos] = value; break;
            default: ((long[])Storage)[pos] = (long)value; break;
        }
    }

    internal int StorageIndex(int flatIndex)
    {
        int pos = Offset;
        for (int d = _dims.Length - 1; d >= 0; d--)
        {
            int size = _dims[d];
            pos += flatIndex % size * Stride(d);
            flatIndex /= size;
        }
        return pos;
    }

    internal ReadOnlySpan<byte> RawBytes() => DType switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(Span<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(Span<double>()),
        _ => MemoryMarshal.AsBytes(Span<long>()),
    };
}
