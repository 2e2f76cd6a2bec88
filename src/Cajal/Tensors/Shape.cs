using System.Text;

namespace Cajal;

/// <summary>The sizes of a tensor's dimensions, outermost first.</summary>
/// <remarks>A readonly value with element-wise equality. A 0-dimensional (scalar) tensor has an empty shape.</remarks>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape from dimension sizes; each must be non-negative.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (int d in dims)
        {
            if (d < 0) throw new ArgumentException($"Shape: negative dimension {d} in {Format(dims)}.");
        }
        _dims = (int[])dims.Clone();
    }

    internal static Shape Wrap(int[] dims) => new(dims, wrap: true);

    private Shape(int[] dims, bool wrap) { _ = wrap; _dims = dims; }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int this[int dim] => Dims[NormalizeDim(dim, Rank, "Shape")];

    /// <summary>The number of elements: the product of the sizes (1 for a scalar).</summary>
    public int Count
    {
        get
        {
            long n = 1;
            foreach (int d in Dims) n *= d;
            return checked((int)n);
        }
    }

    internal ReadOnlySpan<int> AsSpan() => Dims;

    internal int[] Dims => _dims ?? [];

    /// <summary>A copy of the sizes as an array.</summary>
    public int[] ToArray() => (int[])Dims.Clone();

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Element-wise equality.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Element-wise inequality.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Wraps an array of sizes.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Formats as <c>(2, 3)</c>; a scalar prints as <c>()</c>.</summary>
    public override string ToString() => Format(Dims);

    internal static string Format(ReadOnlySpan<int> dims)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(dims[i]);
        }
        return sb.Append(')').ToString();
    }

    /// <summary>Maps a possibly negative dimension index into [0, rank), or throws naming the op.</summary>
    internal static int NormalizeDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dimension {dim} is out of range for a tensor of rank {rank} (expected in [{-r}, {r - 1}]).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>The broadcast shape of two shapes under NumPy rules, or throws naming the op and both shapes.</summary>
    internal static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast: dimension {i} is {da} and {db}.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    internal static int[] ContiguousStrides(ReadOnlySpan<int> dims)
    {
        var strides = new int[dims.Length];
        int s = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(dims[i], 1);
        }
        return strides;
    }
}
