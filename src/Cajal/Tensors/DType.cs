namespace Cajal;

/// <summary>The element type of a <see cref="Tensor"/>.</summary>
/// <remarks>
/// <see cref="Float32"/> is the working type and the default everywhere; <see cref="Float64"/> is for
/// checking (gradient checks, parity with PyTorch); <see cref="Int64"/> holds class indices and the
/// indices returned by <c>Max</c> and <c>ArgMax</c>.
/// </remarks>
public enum DType
{
    /// <summary>32-bit IEEE 754 float (PyTorch's <c>torch.float32</c>).</summary>
    Float32,

    /// <summary>64-bit IEEE 754 float (PyTorch's <c>torch.float64</c>).</summary>
    Float64,

    /// <summary>64-bit signed integer (PyTorch's <c>torch.int64</c>), for indices.</summary>
    Int64,
}

/// <summary>Helpers for <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>Whether the type is a floating-point type (and so can carry gradients).</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype == DType.Float32 ? 4 : 8;

    internal static DType Of<T>()
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        throw new ArgumentException($"Element type {typeof(T).Name} is not a Cajal dtype (float, double or long).");
    }
}
