namespace Cajal.Nn;

/// <summary>2-D max pooling, as PyTorch's <c>nn.MaxPool2d</c>: the largest value of each window.</summary>
/// <remarks>
/// <para>Shape: (N, C, H, W) or (C, H, W) → (N, C, Hout, Wout) with
/// Hout = ⌊(H + 2·padding − dilation·(kernel − 1) − 1)/stride⌋ + 1 (rounded up with ceilMode, see
/// <see cref="Functional.MaxPool2d"/>). No parameters; the gradient goes to each window's first maximum.</para>
/// </remarks>
public sealed class MaxPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">The window: an int or (kH, kW).</param>
    /// <param name="stride">The step between windows; default the kernel size.</param>
    /// <param name="padding">Implicit −∞ on each border, at most half the kernel; default 0.</param>
    /// <param name="dilation">Spacing between window elements; default 1.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null, Size2d? dilation = null, bool ceilMode = false)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        CeilMode = ceilMode;
        PoolLayers.Check("MaxPool2d", KernelSize, Stride, Padding, Dilation);
    }

    /// <summary>The window size.</summary>
    public Size2d KernelSize { get; }

    /// <summary>The step between windows.</summary>
    public Size2d Stride { get; }

    /// <summary>The implicit −∞ padding on each border.</summary>
    public Size2d Padding { get; }

    /// <summary>The spacing between window elements.</summary>
    public Size2d Dilation { get; }

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Functional.MaxPool2d(input, KernelSize.ToArray(), Stride.ToArray(), Padding.ToArray(), Dilation.ToArray(), CeilMode);

    /// <summary>The maxima and their flat indices ih·W + iw within each input plane (PyTorch's <c>return_indices=True</c>).</summary>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        Functional.MaxPool2dWithIndices(input, KernelSize.ToArray(), Stride.ToArray(), Padding.ToArray(), Dilation.ToArray(), CeilMode);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize.ToCompactString()}, stride={Stride.ToCompactString()}, padding={Padding.ToCompactString()}, " +
        $"dilation={Dilation.ToCompactString()}, ceil_mode={(CeilMode ? "True" : "False")}";
}

/// <summary>2-D average pooling, as PyTorch's <c>nn.AvgPool2d</c>: the mean of each window.</summary>
/// <remarks>
/// <para>Shape: (N, C, H, W) or (C, H, W) → (N, C, Hout, Wout) with Hout = ⌊(H + 2·padding − kernel)/stride⌋ + 1
/// (rounded up with ceilMode). No parameters. See <see cref="Functional.AvgPool2d"/> for the divisor rules.</para>
/// </remarks>
public sealed class AvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">The window: an int or (kH, kW).</param>
    /// <param name="stride">The step between windows; default the kernel size.</param>
    /// <param name="padding">Zeros on each border, at most half the kernel; default 0.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Whether padding zeros count in the divisor.</param>
    /// <param name="divisorOverride">When set, divide every window sum by it.</param>
    public AvgPool2d(Size2d kernelSize, Size2d? stride = null, Size2d? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? 0;
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        DivisorOverride = divisorOverride;
        PoolLayers.Check("AvgPool2d", KernelSize, Stride, Padding, 1);
        if (divisorOverride == 0) throw new ArgumentException("AvgPool2d: divisorOverride must not be zero.", nameof(divisorOverride));
    }

    /// <summary>The window size.</summary>
    public Size2d KernelSize { get; }

    /// <summary>The step between windows.</summary>
    public Size2d Stride { get; }

    /// <summary>The zero padding on each border.</summary>
    public Size2d Padding { get; }

    /// <summary>Whether the output size is rounded up.</summary>
    public bool CeilMode { get; }

    /// <summary>Whether padding zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <summary>The fixed divisor, or null.</summary>
    public int? DivisorOverride { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Functional.AvgPool2d(input, KernelSize.ToArray(), Stride.ToArray(), Padding.ToArray(), CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"kernel_size={KernelSize.ToCompactString()}, stride={Stride.ToCompactString()}, padding={Padding.ToCompactString()}";
}

/// <summary>2-D adaptive average pooling, as PyTorch's <c>nn.AdaptiveAvgPool2d</c>: averages windows chosen so the output has a fixed size.</summary>
/// <remarks>
/// <para>Shape: (N, C, H, W) or (C, H, W) → (N, C, outH, outW). Output row i averages input rows ⌊i·H/outH⌋ to
/// ⌈(i + 1)·H/outH⌉ − 1, and likewise columns; outputSize 1 is global average pooling. No parameters.</para>
/// </remarks>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="outputSize">The output's (height, width), or one int for both.</param>
    public AdaptiveAvgPool2d(Size2d outputSize)
    {
        SpatialArgs.Require((outputSize.Height, outputSize.Width), "AdaptiveAvgPool2d", nameof(outputSize), 0);
        OutputSize = outputSize;
    }

    /// <summary>The output's (height, width).</summary>
    public Size2d OutputSize { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize.ToArray());

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"output_size={OutputSize.ToCompactString()}";
}

/// <summary>Argument checks shared by the pooling layers.</summary>
internal static class PoolLayers
{
    public static void Check(string op, Size2d kernel, Size2d stride, Size2d padding, Size2d dilation)
    {
        SpatialArgs.Require((kernel.Height, kernel.Width), op, "kernelSize", 1);
        SpatialArgs.Require((stride.Height, stride.Width), op, "stride", 1);
        SpatialArgs.Require((padding.Height, padding.Width), op, "padding", 0);
        SpatialArgs.Require((dilation.Height, dilation.Width), op, "dilation", 1);
        if (padding.Height > kernel.Height / 2 || padding.Width > kernel.Width / 2)
            throw new ArgumentException($"{op}: padding {padding} must be at most half the kernel size {kernel}.", nameof(padding));
    }
}
