using Cajal.Kernels;
using static Cajal.Nn.SpatialArgs;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>2-D convolution (cross-correlation) with zero padding, as PyTorch's <c>F.conv2d</c>.</summary>
    /// <param name="input">(N, Cin, H, W), or unbatched (Cin, H, W).</param>
    /// <param name="weight">(Cout, Cin/groups, kH, kW).</param>
    /// <param name="bias">(Cout), or null.</param>
    /// <param name="stride">[s] or [sH, sW]; default 1.</param>
    /// <param name="padding">Zeros added on each side, [p] or [pH, pW]; default 0. See the overload taking <see cref="ConvPadding"/> for "same".</param>
    /// <param name="dilation">Spacing between kernel taps, [d] or [dH, dW]; default 1.</param>
    /// <param name="groups">Splits the channels into this many independent convolutions; must divide Cin and Cout.</param>
    /// <remarks>
    /// <para>out[n, o, i, j] = bias[o] + Σ_{c, ki, kj} weight[o, c, ki, kj] · in[n, g·Cin/G + c, i·sH − pH + ki·dH, j·sW − pW + kj·dW],
    /// where g = o / (Cout/G) is the group of output channel o and pixels outside the input read zero.</para>
    /// <para>Shape: Hout = ⌊(H + 2pH − dH(kH − 1) − 1)/sH⌋ + 1, and likewise Wout; output (N, Cout, Hout, Wout).</para>
    /// <para>Computed by im2col + GEMM (<c>Kernels/Convolution.cs</c>); the gradients for input, weight and bias are recorded.</para>
    /// </remarks>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? dilation = null, int groups = 1)
    {
        const string op = "Conv2d";
        var p = Pair(padding, 0, op, nameof(padding), min: 0);
        return Conv2dCore(op, input, weight, bias, Pair(stride, 1, op, nameof(stride), 1), new ConvPadding(p.H, p.W), Pair(dilation, 1, op, nameof(dilation), 1), groups);
    }

    /// <summary>2-D convolution with a <see cref="ConvPadding"/>: explicit, or <see cref="ConvPadding.Same"/> (PyTorch's <c>padding='same'</c>).</summary>
    /// <param name="input">(N, Cin, H, W), or unbatched (Cin, H, W).</param>
    /// <param name="weight">(Cout, Cin/groups, kH, kW).</param>
    /// <param name="padding">An int, an (h, w) tuple, <see cref="ConvPadding.Same"/> or <see cref="ConvPadding.Valid"/>.</param>
    /// <param name="bias">(Cout), or null.</param>
    /// <param name="stride">[s] or [sH, sW]; default 1 (the only stride allowed with Same).</param>
    /// <param name="dilation">[d] or [dH, dW]; default 1.</param>
    /// <param name="groups">Number of channel groups; must divide Cin and Cout.</param>
    /// <remarks>
    /// With Same the output is (N, Cout, H, W): each dimension is padded by d(k − 1) in total, half (rounded down) at
    /// the top/left and the rest at the bottom/right, as PyTorch does. Otherwise as <see cref="Conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)"/>.
    /// </remarks>
    public static Tensor Conv2d(Tensor input, Tensor weight, ConvPadding padding, Tensor? bias = null, int[]? stride = null, int[]? dilation = null, int groups = 1) =>
        Conv2dPadded(input, weight, padding, bias, stride, dilation, groups, relu: false);

    private static Tensor Conv2dPadded(Tensor input, Tensor weight, ConvPadding padding, Tensor? bias, int[]? stride, int[]? dilation, int groups, bool relu)
    {
        const string op = "Conv2d";
        if (!padding.IsSame) Require((padding.Height, padding.Width), op, nameof(padding), 0);
        return Conv2dCore(op, input, weight, bias, Pair(stride, 1, op, nameof(stride), 1), padding, Pair(dilation, 1, op, nameof(dilation), 1), groups, relu);
    }

    /// <summary>2-D transposed convolution ("deconvolution"), as PyTorch's <c>F.conv_transpose2d</c>: the input-gradient of <see cref="Conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)"/>.</summary>
    /// <param name="input">(N, Cin, H, W), or unbatched (Cin, H, W).</param>
    /// <param name="weight">(Cin, Cout/groups, kH, kW).</param>
    /// <param name="bias">(Cout), or null.</param>
    /// <param name="stride">[s] or [sH, sW]; default 1.</param>
    /// <param name="padding">Rows/columns removed from each side of the full output, [p] or [pH, pW]; default 0.</param>
    /// <param name="outputPadding">Extra rows/columns added at the bottom/right; must be smaller than the stride or the dilation; default 0.</param>
    /// <param name="dilation">[d] or [dH, dW]; default 1.</param>
    /// <param name="groups">Number of channel groups; must divide Cin.</param>
    /// <remarks>
    /// <para>Each input pixel scatters weight[c] scaled by its value into the output: out[n, o, i·s − p + k·d] += in[n, c, i]·weight[c, o, k].
    /// It equals the gradient of a Conv2d with the same weight, stride, padding and dilation with respect to its input.</para>
    /// <para>Shape: Hout = (H − 1)sH − 2pH + dH(kH − 1) + outputPaddingH + 1, and likewise Wout; output (N, Cout, Hout, Wout).</para>
    /// </remarks>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? outputPadding = null, int[]? dilation = null, int groups = 1)
    {
        const string op = "ConvTranspose2d";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var s = Pair(stride, 1, op, nameof(stride), 1);
        var p = Pair(padding, 0, op, nameof(padding), 0);
        var op2 = Pair(outputPadding, 0, op, nameof(outputPadding), 0);
        var d = Pair(dilation, 1, op, nameof(dilation), 1);
        bool unbatched = RequireImage(input, op);
        CheckWeightAndBias(op, input, weight, bias);
        if (groups < 1) throw new ArgumentException($"{op}: groups must be positive, got {groups}.", nameof(groups));
        var x = unbatched ? input.Unsqueeze(0) : input;
        int n = x.Size(0), cin = x.Size(1), h = x.Size(2), w = x.Size(3);
        int kh = weight.Size(2), kw = weight.Size(3), cout = weight.Size(1) * groups;
        if (weight.Size(0) != cin)
            throw new ArgumentException($"{op}: input {input.Shape} has {cin} channels but weight {weight.Shape} expects {weight.Size(0)} (weight is (Cin, Cout/groups, kH, kW)).", nameof(weight));
        if (cin % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide the input's {cin} channels (input {input.Shape}).", nameof(groups));
        CheckBias(op, bias, cout, weight);
        if ((op2.H >= s.H && op2.H >= d.H) || (op2.W >= s.W && op2.W >= d.W))
            throw new ArgumentException($"{op}: outputPadding {Format(op2)} must be smaller than either the stride {Format(s)} or the dilation {Format(d)}.", nameof(outputPadding));
        int hout = (h - 1) * s.H - 2 * p.H + d.H * (kh - 1) + op2.H + 1;
        int wout = (w - 1) * s.W - 2 * p.W + d.W * (kw - 1) + op2.W + 1;
        if (hout <= 0 || wout <= 0)
            throw new ArgumentException($"{op}: input {input.Shape} with weight {weight.Shape}, stride {Format(s)}, padding {Format(p)}, dilation {Format(d)} and outputPadding {Format(op2)} gives an empty output ({hout}, {wout}).", nameof(input));

        // The convolution whose input gradient this is maps (N, Cout, Hout, Wout) to (N, Cin, H, W).
        var g = new ConvGeometry(n, cout, hout, wout, cin, kh, kw, h, w, s.H, s.W, p.H, p.W, d.H, d.W, groups);
        var xc = x.Contiguous();
        var wc = weight.Contiguous();
        var bc = bias?.Contiguous();
        var output = Tensor.Empty([n, cout, hout, wout], input.DType);
        if (input.DType == DType.Float32) TransposedForward<float>(xc, wc, bc, output, g);
        else TransposedForward<double>(xc, wc, bc, output, g);

        var result = Autograd.Record(output, op, bias is null ? [x, weight] : [x, weight, bias], grad =>
        {
            var gc = grad.Contiguous();
            Tensor? dx = x.RequiresGrad ? ConvForwardTensor(gc, wc, null, x.Dims, g) : null;
            Tensor? dw = weight.RequiresGrad ? ConvWeightGradTensor(gc, xc, weight.Dims, g) : null;
            Tensor? db = bias is { RequiresGrad: true } ? grad.Sum([0, 2, 3]) : null;
            return bias is null ? [dx, dw] : [dx, dw, db];
        });
        return unbatched ? result.Squeeze(0) : result;
    }

    /// <summary>
    /// ReLU(Conv2d(...)) as one op, recorded as <c>Conv2d+ReLU</c>: what <see cref="Sequential"/> runs for a
    /// <see cref="Cajal.Nn.Conv2d"/> followed by a <see cref="Cajal.Nn.ReLU"/>. The ReLU is applied as each tile of the
    /// output is stored (no pass of its own, no tensor of its own); the backward keeps the gradient where the output is
    /// positive, as ReLU's backward does, before the convolution's. Values and gradients are those of the two ops.
    /// </summary>
    internal static Tensor Conv2dRelu(Tensor input, Tensor weight, ConvPadding padding, Tensor? bias, int[] stride, int[] dilation, int groups) =>
        Conv2dPadded(input, weight, padding, bias, stride, dilation, groups, relu: true);

    private static Tensor Conv2dCore(string op, Tensor input, Tensor weight, Tensor? bias, (int H, int W) s, ConvPadding padding, (int H, int W) d, int groups,
        bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        bool unbatched = RequireImage(input, op);
        CheckWeightAndBias(op, input, weight, bias);
        if (groups < 1) throw new ArgumentException($"{op}: groups must be positive, got {groups}.", nameof(groups));
        var x = unbatched ? input.Unsqueeze(0) : input;
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), w = x.Size(3);
        int cout = weight.Size(0), cg = weight.Size(1), kh = weight.Size(2), kw = weight.Size(3);
        if (cg * groups != c)
            throw new ArgumentException($"{op}: input {input.Shape} has {c} channels but weight {weight.Shape} expects {cg} × groups {groups}.", nameof(weight));
        if (cout % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide the weight's {cout} output channels (weight {weight.Shape}).", nameof(groups));
        CheckBias(op, bias, cout, weight);

        int top, left, hout, wout;
        if (padding.IsSame)
        {
            if (s != (1, 1))
                throw new ArgumentException($"{op}: padding Same needs stride 1, got stride {Format(s)}.", nameof(padding));
            // d(k − 1) zeros in total per dimension; the odd one goes bottom/right, as PyTorch.
            (top, left, hout, wout) = (d.H * (kh - 1) / 2, d.W * (kw - 1) / 2, h, w);
        }
        else
        {
            (top, left) = (padding.Height, padding.Width);
            int spanH = h + 2 * top - d.H * (kh - 1) - 1, spanW = w + 2 * left - d.W * (kw - 1) - 1;
            if (spanH < 0 || spanW < 0)
                throw new ArgumentException($"{op}: input {input.Shape} padded by {Format((top, left))} is smaller than the kernel {Format((kh, kw))} dilated by {Format(d)} (extent {Format((d.H * (kh - 1) + 1, d.W * (kw - 1) + 1))}); the output would be empty.", nameof(input));
            (hout, wout) = (spanH / s.H + 1, spanW / s.W + 1);
        }

        var g = new ConvGeometry(n, c, h, w, cout, kh, kw, hout, wout, s.H, s.W, top, left, d.H, d.W, groups);
        var xc = x.Contiguous();
        var wc = weight.Contiguous();
        var output = ConvForwardTensor(xc, wc, bias?.Contiguous(), [n, cout, hout, wout], g, relu);
        var result = Autograd.Record(output, relu ? op + "+ReLU" : op, bias is null ? [x, weight] : [x, weight, bias], grad =>
        {
            // y = W ⋆ x + b  ⇒  dx = Wᵀ-scatter of dy (col2im), dW = Σ dy·im2col(x)ᵀ, db = Σ_{n,h,w} dy
            // (with the ReLU, dy is first kept where y > 0)
            var gc = relu ? Tensor.ReluGradient(output, grad) : grad.Contiguous();
            Tensor? dx = x.RequiresGrad ? ConvInputGradTensor(gc, wc, x.Dims, g) : null;
            Tensor? dw = weight.RequiresGrad ? ConvWeightGradTensor(xc, gc, weight.Dims, g) : null;
            Tensor? db = bias is { RequiresGrad: true } ? (relu ? gc : grad).Sum([0, 2, 3]) : null;
            return bias is null ? [dx, dw] : [dx, dw, db];
        });
        return unbatched ? result.Squeeze(0) : result;
    }

    private static void CheckWeightAndBias(string op, Tensor input, Tensor weight, Tensor? bias)
    {
        if (weight.Rank != 4)
            throw new ArgumentException($"{op}: weight must have rank 4, got {weight.Shape}.", nameof(weight));
        if (weight.DType != input.DType)
            throw new ArgumentException($"{op}: input is {input.DType} {input.Shape} but weight is {weight.DType} {weight.Shape}; convert one with To(DType).", nameof(weight));
        if (bias is not null && bias.DType != input.DType)
            throw new ArgumentException($"{op}: input is {input.DType} {input.Shape} but bias is {bias.DType} {bias.Shape}.", nameof(bias));
        if (weight.Size(2) == 0 || weight.Size(3) == 0)
            throw new ArgumentException($"{op}: weight {weight.Shape} has an empty kernel.", nameof(weight));
    }

    private static void CheckBias(string op, Tensor? bias, int outChannels, Tensor weight)
    {
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != outChannels))
            throw new ArgumentException($"{op}: bias {bias.Shape} must be ({outChannels}), one per output channel of weight {weight.Shape}.", nameof(bias));
    }

    /// <summary>conv(x, w) + b for contiguous operands, into a new tensor of <paramref name="outDims"/>.</summary>
    private static Tensor ConvForwardTensor(Tensor x, Tensor w, Tensor? b, int[] outDims, ConvGeometry g, bool relu = false)
    {
        var y = Tensor.Uninitialized((int[])outDims.Clone(), x.DType);
        if (x.DType == DType.Float32)
            Convolution.Forward(x.Array<float>(), x.Offset, w.Array<float>(), w.Offset, b?.Array<float>(), b?.Offset ?? 0, y.Array<float>(), g, relu);
        else
            Convolution.Forward(x.Array<double>(), x.Offset, w.Array<double>(), w.Offset, b?.Array<double>(), b?.Offset ?? 0, y.Array<double>(), g, relu);
        return y;
    }

    /// <summary>The input gradient of conv for contiguous dy and w, into a new tensor of <paramref name="inDims"/>.</summary>
    private static Tensor ConvInputGradTensor(Tensor dy, Tensor w, int[] inDims, ConvGeometry g)
    {
        var dx = Tensor.Uninitialized((int[])inDims.Clone(), dy.DType);
        if (dy.DType == DType.Float32)
            Convolution.BackwardInput(dy.Array<float>(), dy.Offset, w.Array<float>(), w.Offset, dx.Array<float>(), g);
        else
            Convolution.BackwardInput(dy.Array<double>(), dy.Offset, w.Array<double>(), w.Offset, dx.Array<double>(), g);
        return dx;
    }

    /// <summary>The weight gradient of conv for contiguous x and dy, into a new tensor of <paramref name="weightDims"/>.</summary>
    private static Tensor ConvWeightGradTensor(Tensor x, Tensor dy, int[] weightDims, ConvGeometry g)
    {
        var dw = Tensor.Uninitialized((int[])weightDims.Clone(), x.DType);
        if (x.DType == DType.Float32)
            Convolution.BackwardWeight(x.Array<float>(), x.Offset, dy.Array<float>(), dy.Offset, dw.Array<float>(), g);
        else
            Convolution.BackwardWeight(x.Array<double>(), x.Offset, dy.Array<double>(), dy.Offset, dw.Array<double>(), g);
        return dw;
    }

    private static void TransposedForward<T>(Tensor x, Tensor w, Tensor? b, Tensor output, ConvGeometry g)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        var y = output.Array<T>();
        Convolution.BackwardInput(x.Array<T>(), x.Offset, w.Array<T>(), w.Offset, y, g);
        if (b is not null) Convolution.AddBias(y, b.Array<T>(), b.Offset, g.Batch, g.InChannels, g.InPlane);
    }
}
