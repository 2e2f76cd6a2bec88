using System.Globalization;

namespace Cajal.Nn;

/// <summary>
/// The zero padding of a convolution: explicit rows/columns added on each side, or <see cref="Same"/> (PyTorch's
/// <c>padding='same'</c>), which pads so that the output has the input's size.
/// </summary>
/// <remarks>
/// An int or an (height, width) tuple converts implicitly: <c>padding: 1</c>, <c>padding: (2, 1)</c>,
/// <c>padding: ConvPadding.Same</c>. With <see cref="Same"/> (stride 1 only) the total padding per dimension is
/// dilation·(kernel − 1); when it is odd the extra row/column goes to the bottom/right, as in PyTorch.
/// </remarks>
public readonly struct ConvPadding : IEquatable<ConvPadding>
{
    private ConvPadding(int height, int width, bool same)
    {
        Height = height;
        Width = width;
        IsSame = same;
    }

    /// <summary>Pads <paramref name="height"/> rows above and below and <paramref name="width"/> columns left and right.</summary>
    public ConvPadding(int height, int width) : this(height, width, same: false) { }

    /// <summary>Padding that keeps the output the input's size (stride 1), PyTorch's <c>padding='same'</c>.</summary>
    public static ConvPadding Same { get; } = new(0, 0, same: true);

    /// <summary>No padding, PyTorch's <c>padding='valid'</c>.</summary>
    public static ConvPadding Valid { get; } = new(0, 0, same: false);

    /// <summary>Rows of zeros above and below (0 for <see cref="Same"/>, whose padding depends on the kernel).</summary>
    public int Height { get; }

    /// <summary>Columns of zeros left and right (0 for <see cref="Same"/>).</summary>
    public int Width { get; }

    /// <summary>Whether this is <see cref="Same"/>.</summary>
    public bool IsSame { get; }

    /// <summary>The same padding on all four sides.</summary>
    public static implicit operator ConvPadding(int padding) => new(padding, padding);

    /// <summary>(rows above and below, columns left and right).</summary>
    public static implicit operator ConvPadding((int Height, int Width) padding) => new(padding.Height, padding.Width);

    /// <inheritdoc/>
    public bool Equals(ConvPadding other) => Height == other.Height && Width == other.Width && IsSame == other.IsSame;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ConvPadding other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Height, Width, IsSame);

    /// <summary>Whether two paddings are equal.</summary>
    public static bool operator ==(ConvPadding left, ConvPadding right) => left.Equals(right);

    /// <summary>Whether two paddings differ.</summary>
    public static bool operator !=(ConvPadding left, ConvPadding right) => !left.Equals(right);

    /// <summary><c>same</c>, or <c>(h, w)</c> as PyTorch prints a padding tuple.</summary>
    public override string ToString() =>
        IsSame ? "same" : string.Create(CultureInfo.InvariantCulture, $"({Height}, {Width})");
}
