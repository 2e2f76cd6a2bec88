using System.Text;

namespace Cajal.Nn;

/// <summary>A 2-D convolution layer: out = weight ⋆ input + bias, as PyTorch's <c>nn.Conv2d</c>.</summary>
/// <remarks>
/// <para>Shape: input (N, InChannels, H, W) or (InChannels, H, W) → (N, OutChannels, Hout, Wout) with
/// Hout = ⌊(H + 2·padding − dilation·(kernel − 1) − 1)/stride⌋ + 1 (and likewise Wout), or Hout = H with
/// <see cref="ConvPadding.Same"/>. See <see cref="Functional.Conv2d(Tensor, Tensor, ConvPadding, Tensor, int[], int[], int)"/>.</para>
/// <para>Parameters: <c>weight</c> (OutChannels, InChannels/groups, kH, kW) and <c>bias</c> (OutChannels), both from
/// U(−1/√fan_in, 1/√fan_in) with fan_in = InChannels/groups·kH·kW, PyTorch's default (kaiming_uniform with a = √5).</para>
/// </remarks>
public sealed class Conv2d : Module, IFusesRelu
{
    /// <summary>Creates the layer with PyTorch's default initialisation drawn from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output (the number of filters).</param>
    /// <param name="kernelSize">The filter size: an int or (kH, kW).</param>
    /// <param name="stride">Step between kernel positions; default 1.</param>
    /// <param name="padding">Zero padding: an int, (pH, pW), or <see cref="ConvPadding.Same"/>; default 0.</param>
    /// <param name="dilation">Spacing between kernel taps; default 1.</param>
    /// <param name="groups">Channel groups; must divide both channel counts (groups = inChannels is a depthwise convolution).</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="generator">The random source of the initial weights (<see cref="Generator.Default"/> when null).</param>
    /// <param name="dtype">The parameters' dtype.</param>
    public Conv2d(int inChannels, int outChannels, Size2d kernelSize, Size2d? stride = null, ConvPadding padding = default,
        Size2d? dilation = null, int groups = 1, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    {
        const string op = "Conv2d";
        ConvLayers.CheckChannels(op, inChannels, outChannels, groups);
        Stride = stride ?? 1;
        Dilation = dilation ?? 1;
        SpatialArgs.Require((kernelSize.Height, kernelSize.Width), op, nameof(kernelSize), 1);
        SpatialArgs.Require((Stride.Height, Stride.Width), op, nameof(stride), 1);
        SpatialArgs.Require((Dilation.Height, Dilation.Width), op, nameof(dilation), 1);
        if (!padding.IsSame) SpatialArgs.Require((padding.Height, padding.Width), op, nameof(padding), 0);
        else if (Stride != (1, 1))
            throw new ArgumentException($"{op}: padding Same needs stride 1, got stride {Stride}.", nameof(padding));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Padding = padding;
        Groups = groups;
        Weight = Tensor.Zeros([outChannels, inChannels / groups, kernelSize.Height, kernelSize.Width], dtype, requiresGrad: true);
        Bias = bias ? Tensor.Zeros([outChannels], dtype, requiresGrad: true) : null;
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>The filter size (kH, kW).</summary>
    public Size2d KernelSize { get; }

    /// <summary>The step between kernel positions.</summary>
    public Size2d Stride { get; }

    /// <summary>The zero padding, or Same.</summary>
    public ConvPadding Padding { get; }

    /// <summary>The spacing between kernel taps.</summary>
    public Size2d Dilation { get; }

    /// <summary>The number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>The filters, (OutChannels, InChannels/Groups, kH, kW).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, (OutChannels); null when created with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Functional.Conv2d(input, Weight, Padding, Bias, Stride.ToArray(), Dilation.ToArray(), Groups);

    /// <summary>ReLU(Forward(input)) as one op (<see cref="Functional.Conv2dRelu"/>): what <see cref="Sequential"/> runs for a Conv2d followed by a ReLU.</summary>
    Tensor IFusesRelu.ForwardRelu(Tensor input) =>
        Functional.Conv2dRelu(input, Weight, Padding, Bias, Stride.ToArray(), Dilation.ToArray(), Groups);

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        ConvLayers.Repr(InChannels, OutChannels, KernelSize, Stride, Padding.IsSame || Padding.Height != 0 || Padding.Width != 0 ? Padding.ToString() : null,
            Dilation, outputPadding: null, Groups, Bias is not null);
}

/// <summary>A 2-D transposed convolution layer, as PyTorch's <c>nn.ConvTranspose2d</c>: the gradient of a Conv2d with respect to its input, used to upsample.</summary>
/// <remarks>
/// <para>Shape: input (N, InChannels, H, W) or (InChannels, H, W) → (N, OutChannels, Hout, Wout) with
/// Hout = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1, and likewise Wout.
/// See <see cref="Functional.ConvTranspose2d"/>.</para>
/// <para>Parameters: <c>weight</c> (InChannels, OutChannels/groups, kH, kW) and <c>bias</c> (OutChannels), both from
/// U(−1/√fan_in, 1/√fan_in) with PyTorch's fan_in of this weight, OutChannels/groups·kH·kW.</para>
/// </remarks>
public sealed class ConvTranspose2d : Module
{
    /// <summary>Creates the layer with PyTorch's default initialisation drawn from <paramref name="generator"/>.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">The filter size: an int or (kH, kW).</param>
    /// <param name="stride">The upsampling step; default 1.</param>
    /// <param name="padding">Rows/columns removed from each border of the full output; default 0.</param>
    /// <param name="outputPadding">Rows/columns added at the bottom/right; smaller than the stride or the dilation; default 0.</param>
    /// <param name="groups">Channel groups; must divide both channel counts.</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="dilation">Spacing between kernel taps; default 1.</param>
    /// <param name="generator">The random source of the initial weights (<see cref="Generator.Default"/> when null).</param>
    /// <param name="dtype">The parameters' dtype.</param>
    public ConvTranspose2d(int inChannels, int outChannels, Size2d kernelSize, Size2d? stride = null, Size2d? padding = null,
        Size2d? outputPadding = null, int groups = 1, bool bias = true, Size2d? dilation = null, Generator? generator = null, DType dtype = DType.Float32)
    {
        const string op = "ConvTranspose2d";
        ConvLayers.CheckChannels(op, inChannels, outChannels, groups);
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        OutputPadding = outputPadding ?? 0;
        Dilation = dilation ?? 1;
        SpatialArgs.Require((kernelSize.Height, kernelSize.Width), op, nameof(kernelSize), 1);
        SpatialArgs.Require((Stride.Height, Stride.Width), op, nameof(stride), 1);
        SpatialArgs.Require((Padding.Height, Padding.Width), op, nameof(padding), 0);
        SpatialArgs.Require((OutputPadding.Height, OutputPadding.Width), op, nameof(outputPadding), 0);
        SpatialArgs.Require((Dilation.Height, Dilation.Width), op, nameof(dilation), 1);
        if ((OutputPadding.Height >= Stride.Height && OutputPadding.Height >= Dilation.Height) || (OutputPadding.Width >= Stride.Width && OutputPadding.Width >= Dilation.Width))
            throw new ArgumentException($"{op}: outputPadding {OutputPadding} must be smaller than either the stride {Stride} or the dilation {Dilation}.", nameof(outputPadding));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Groups = groups;
        Weight = Tensor.Zeros([inChannels, outChannels / groups, kernelSize.Height, kernelSize.Width], dtype, requiresGrad: true);
        Bias = bias ? Tensor.Zeros([outChannels], dtype, requiresGrad: true) : null;
        Init.DefaultLayerInit(Weight, Bias, generator);
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>The filter size (kH, kW).</summary>
    public Size2d KernelSize { get; }

    /// <summary>The upsampling step.</summary>
    public Size2d Stride { get; }

    /// <summary>Rows/columns removed from each border of the full output.</summary>
    public Size2d Padding { get; }

    /// <summary>Rows/columns added at the bottom/right of the output.</summary>
    public Size2d OutputPadding { get; }

    /// <summary>The spacing between kernel taps.</summary>
    public Size2d Dilation { get; }

    /// <summary>The number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>The filters, (InChannels, OutChannels/Groups, kH, kW).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, (OutChannels); null when created with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Functional.ConvTranspose2d(input, Weight, Bias, Stride.ToArray(), Padding.ToArray(), OutputPadding.ToArray(), Dilation.ToArray(), Groups);

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        ConvLayers.Repr(InChannels, OutChannels, KernelSize, Stride, Padding != (0, 0) ? Padding.ToString() : null,
            Dilation, OutputPadding != (0, 0) ? OutputPadding.ToString() : null, Groups, Bias is not null);
}

/// <summary>Checks and printing shared by the convolution layers.</summary>
internal static class ConvLayers
{
    public static void CheckChannels(string op, int inChannels, int outChannels, int groups)
    {
        if (inChannels < 1 || outChannels < 1)
            throw new ArgumentException($"{op}: channel counts must be positive, got in {inChannels}, out {outChannels}.");
        if (groups < 1) throw new ArgumentException($"{op}: groups must be positive, got {groups}.", nameof(groups));
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide both inChannels {inChannels} and outChannels {outChannels}.", nameof(groups));
    }

    /// <summary>PyTorch's _ConvNd.extra_repr: defaults are left out.</summary>
    public static string Repr(int inChannels, int outChannels, Size2d kernel, Size2d stride, string? padding, Size2d dilation, string? outputPadding, int groups, bool bias)
    {
        var sb = new StringBuilder($"{inChannels}, {outChannels}, kernel_size={kernel}, stride={stride}");
        if (padding is not null) sb.Append($", padding={padding}");
        if (dilation != (1, 1)) sb.Append($", dilation={dilation}");
        if (outputPadding is not null) sb.Append($", output_padding={outputPadding}");
        if (groups != 1) sb.Append($", groups={groups}");
        if (!bias) sb.Append(", bias=False");
        return sb.ToString();
    }
}
