using System.Globalization;

namespace Cajal.Nn;

/// <summary>A (height, width) pair for kernel sizes, strides, paddings, dilations and output sizes (PyTorch's <c>_size_2_t</c>).</summary>
/// <remarks>An int converts to a square pair and an (h, w) tuple to a pair: <c>kernelSize: 3</c>, <c>stride: (2, 1)</c>.</remarks>
/// <param name="Height">The size along the rows (dimension −2).</param>
/// <param name="Width">The size along the columns (dimension −1).</param>
public readonly record struct Size2d(int Height, int Width)
{
    /// <summary>(size, size).</summary>
    public static implicit operator Size2d(int size) => new(size, size);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2d((int Height, int Width) size) => new(size.Height, size.Width);

    /// <summary>Whether height equals width.</summary>
    public bool IsSquare => Height == Width;

    /// <summary>[height, width], as the functional ops take it.</summary>
    public int[] ToArray() => [Height, Width];

    /// <summary><c>(h, w)</c>, as Python prints a tuple.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Height}, {Width})");

    /// <summary><c>h</c> when square, else <c>(h, w)</c>: how PyTorch's pooling layers print an int argument.</summary>
    internal string ToCompactString() => IsSquare ? Height.ToString(CultureInfo.InvariantCulture) : ToString();
}
