using Cajal.Kernels;
using static Cajal.Nn.SpatialArgs;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>2-D max pooling, as PyTorch's <c>F.max_pool2d</c>.</summary>
    /// <param name="input">(N, C, H, W), or unbatched (C, H, W).</param>
    /// <param name="kernelSize">[k] or [kH, kW].</param>
    /// <param name="stride">[s] or [sH, sW]; null or empty means the kernel size.</param>
    /// <param name="padding">Implicit −∞ added on each side, [p] or [pH, pW], at most half the kernel; default 0.</param>
    /// <param name="dilation">Spacing between window elements; default 1.</param>
    /// <param name="ceilMode">Round the output size up instead of down (a last window must still start inside the input or its left padding).</param>
    /// <remarks>
    /// <para>out[n, c, i, j] = max over ki &lt; kH, kj &lt; kW of in[n, c, i·sH − pH + ki·dH, j·sW − pW + kj·dW].</para>
    /// <para>Shape: Hout = ⌊(H + 2pH − dH(kH − 1) − 1 + (ceilMode ? sH − 1 : 0))/sH⌋ + 1, less one in ceil mode if the last
    /// window would start at or beyond H + pH; likewise Wout.</para>
    /// <para>The gradient goes to the first maximum of each window (NaN counts as the maximum), as PyTorch.</para>
    /// <para>Without a recorded gradient (inference, <see cref="Autograd.NoGrad"/>) no indices are computed or stored, as
    /// PyTorch's <c>max_pool2d</c> without grad: the maxima are the same.</para>
    /// </remarks>
    public static Tensor MaxPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode, withIndices: Autograd.IsEnabled && input.RequiresGrad).Values;
    }

    /// <summary>2-D max pooling that also returns where each maximum came from, as PyTorch's <c>return_indices=True</c>.</summary>
    /// <param name="input">(N, C, H, W), or unbatched (C, H, W).</param>
    /// <param name="kernelSize">[k] or [kH, kW].</param>
    /// <param name="stride">[s] or [sH, sW]; null or empty means the kernel size.</param>
    /// <param name="padding">[p] or [pH, pW], at most half the kernel; default 0.</param>
    /// <param name="dilation">[d] or [dH, dW]; default 1.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <returns>The maxima, and Int64 indices of the same shape holding ih·W + iw of each maximum within its input plane.</returns>
    /// <remarks>See <see cref="MaxPool2d"/> for the formula and output size.</remarks>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        var (values, indices) = MaxPool2dCore(input, kernelSize, stride, padding, dilation, ceilMode, withIndices: true);
        return (values, indices!);
    }

    /// <summary>Max pooling, with the indices (needed by the backward) or without (maxima only).</summary>
    private static (Tensor Values, Tensor? Indices) MaxPool2dCore(Tensor input, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode, bool withIndices)
    {
        const string op = "MaxPool2d";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernelSize);
        var (x, unbatched, g) = PoolSetup(op, input, kernelSize, stride, padding, dilation, ceilMode);
        var xc = x.Contiguous();
        int[] outDims = [x.Size(0), x.Size(1), g.OutHeight, g.OutWidth];
        var values = Tensor.Uninitialized(outDims, x.DType);
        var indices = withIndices ? Tensor.Uninitialized((int[])outDims.Clone(), DType.Int64) : null;
        var idx = indices?.Array<long>();
        bool twoByTwo = Pooling.IsTwoByTwo(g);   // the common MaxPool2d(2): a fast path with the same results
        if (twoByTwo && x.DType == DType.Float32) Pooling.MaxForwardTwoByTwo(xc.Array<float>(), xc.Offset, values.Array<float>(), idx, g);
        else if (twoByTwo) Pooling.MaxForwardTwoByTwo(xc.Array<double>(), xc.Offset, values.Array<double>(), idx, g);
        else if (x.DType == DType.Float32) Pooling.MaxForward(xc.Array<float>(), xc.Offset, values.Array<float>(), idx, g);
        else Pooling.MaxForward(xc.Array<double>(), xc.Offset, values.Array<double>(), idx, g);

        if (idx is null) return (unbatched ? values.Squeeze(0) : values, null);
        var result = Autograd.Record(values, op, [x], grad =>
        {
            // Only the element that won each window receives that window's gradient.
            var gc = grad.Contiguous();
            // The 2×2 kernel writes every cell of dx (zeros outside the windows); the general one adds into zeros.
            var dx = twoByTwo ? Tensor.Uninitialized(x.Shape.ToArray(), x.DType) : Tensor.Empty(x.Shape.ToArray(), x.DType);
            if (twoByTwo && x.DType == DType.Float32) Pooling.MaxBackwardTwoByTwo(gc.Array<float>(), gc.Offset, idx, dx.Array<float>(), g);
            else if (twoByTwo) Pooling.MaxBackwardTwoByTwo(gc.Array<double>(), gc.Offset, idx, dx.Array<double>(), g);
            else if (x.DType == DType.Float32) Pooling.MaxBackward(gc.Array<float>(), gc.Offset, idx, dx.Array<float>(), g);
            else Pooling.MaxBackward(gc.Array<double>(), gc.Offset, idx, dx.Array<double>(), g);
            return [dx];
        });
        return unbatched ? (result.Squeeze(0), indices!.Squeeze(0)) : (result, indices);
    }

    /// <summary>2-D average pooling, as PyTorch's <c>F.avg_pool2d</c>.</summary>
    /// <param name="input">(N, C, H, W), or unbatched (C, H, W).</param>
    /// <param name="kernelSize">[k] or [kH, kW].</param>
    /// <param name="stride">[s] or [sH, sW]; null or empty means the kernel size.</param>
    /// <param name="padding">Zeros added on each side, [p] or [pH, pW], at most half the kernel; default 0.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count padding zeros in the divisor (true, PyTorch's default) or only input pixels.</param>
    /// <param name="divisorOverride">When set (non-zero), divide every window sum by it instead.</param>
    /// <remarks>
    /// <para>out[n, c, i, j] = Σ_window in / divisor. With countIncludePad the divisor is the window's size clipped to the
    /// padded input (kH·kW except for ceil-mode windows that overhang the padding); otherwise it is the number of input
    /// pixels in the window.</para>
    /// <para>Shape: as <see cref="MaxPool2d"/> with dilation 1.</para>
    /// </remarks>
    public static Tensor AvgPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        const string op = "AvgPool2d";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (divisorOverride == 0)
            throw new ArgumentException($"{op}: divisorOverride must not be zero.", nameof(divisorOverride));
        int divisor = divisorOverride ?? 0;
        var (x, unbatched, g) = PoolSetup(op, input, kernelSize, stride, padding, null, ceilMode);
        var xc = x.Contiguous();
        var output = Tensor.Uninitialized([x.Size(0), x.Size(1), g.OutHeight, g.OutWidth], x.DType);
        bool twoByTwo = Pooling.IsTwoByTwo(g);   // no padding and whole windows: countIncludePad makes no difference
        if (twoByTwo && x.DType == DType.Float32) Pooling.AvgForwardTwoByTwo(xc.Array<float>(), xc.Offset, output.Array<float>(), g, divisor);
        else if (twoByTwo) Pooling.AvgForwardTwoByTwo(xc.Array<double>(), xc.Offset, output.Array<double>(), g, divisor);
        else if (x.DType == DType.Float32) Pooling.AvgForward(xc.Array<float>(), xc.Offset, output.Array<float>(), g, countIncludePad, divisor);
        else Pooling.AvgForward(xc.Array<double>(), xc.Offset, output.Array<double>(), g, countIncludePad, divisor);

        var result = Autograd.Record(output, op, [x], grad =>
        {
            // Each window's gradient is shared equally (1/divisor) by the input pixels it averaged.
            var gc = grad.Contiguous();
            var dx = twoByTwo ? Tensor.Uninitialized(x.Shape.ToArray(), x.DType) : Tensor.Empty(x.Shape.ToArray(), x.DType);   // as max pooling's
            if (twoByTwo && x.DType == DType.Float32) Pooling.AvgBackwardTwoByTwo(gc.Array<float>(), gc.Offset, dx.Array<float>(), g, divisor);
            else if (twoByTwo) Pooling.AvgBackwardTwoByTwo(gc.Array<double>(), gc.Offset, dx.Array<double>(), g, divisor);
            else if (x.DType == DType.Float32) Pooling.AvgBackward(gc.Array<float>(), gc.Offset, dx.Array<float>(), g, countIncludePad, divisor);
            else Pooling.AvgBackward(gc.Array<double>(), gc.Offset, dx.Array<double>(), g, countIncludePad, divisor);
            return [dx];
        });
        return unbatched ? result.Squeeze(0) : result;
    }

    /// <summary>2-D adaptive average pooling to a fixed output size, as PyTorch's <c>F.adaptive_avg_pool2d</c>.</summary>
    /// <param name="input">(N, C, H, W), or unbatched (C, H, W).</param>
    /// <param name="outputSize">[s] or [outH, outW]; [1, 1] is global average pooling.</param>
    /// <remarks>
    /// <para>Output row i averages input rows ⌊i·H/outH⌋ up to (excluding) ⌈(i + 1)·H/outH⌉, and likewise for columns, so
    /// windows may differ in size and overlap when H is not a multiple of outH.</para>
    /// <para>Shape: (N, C, outH, outW).</para>
    /// </remarks>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int[] outputSize)
    {
        const string op = "AdaptiveAvgPool2d";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputSize);
        bool unbatched = RequireImage(input, op);
        if (outputSize.Length == 0)
            throw new ArgumentException($"{op}: outputSize must have 1 or 2 values (height, width), got [].", nameof(outputSize));
        var (oh, ow) = Pair(outputSize, 1, op, nameof(outputSize), min: 0);
        RequireNonEmptyPlanes(op, input);
        var x = unbatched ? input.Unsqueeze(0) : input;
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), w = x.Size(3), planes = n * c;
        var xc = x.Contiguous();
        var output = Tensor.Uninitialized([n, c, oh, ow], x.DType);
        if (x.DType == DType.Float32) Pooling.AdaptiveAvgForward(xc.Array<float>(), xc.Offset, output.Array<float>(), planes, h, w, oh, ow);
        else Pooling.AdaptiveAvgForward(xc.Array<double>(), xc.Offset, output.Array<double>(), planes, h, w, oh, ow);

        var result = Autograd.Record(output, op, [x], grad =>
        {
            var gc = grad.Contiguous();
            var dx = Tensor.Empty(x.Shape.ToArray(), x.DType);
            if (x.DType == DType.Float32) Pooling.AdaptiveAvgBackward(gc.Array<float>(), gc.Offset, dx.Array<float>(), planes, h, w, oh, ow);
            else Pooling.AdaptiveAvgBackward(gc.Array<double>(), gc.Offset, dx.Array<double>(), planes, h, w, oh, ow);
            return [dx];
        });
        return unbatched ? result.Squeeze(0) : result;
    }

    /// <summary>Checks a pooling's arguments as PyTorch does and computes its geometry over N·C planes.</summary>
    private static (Tensor X, bool Unbatched, PoolGeometry G) PoolSetup(string op, Tensor input, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode)
    {
        bool unbatched = RequireImage(input, op);
        if (kernelSize.Length == 0)
            throw new ArgumentException($"{op}: kernelSize must have 1 or 2 values (height, width), got [].", nameof(kernelSize));
        var k = Pair(kernelSize, 1, op, nameof(kernelSize), 1);
        var s = Pair(stride, 0, op, nameof(stride), 1);
        if (s == (0, 0)) s = k;   // PyTorch: stride defaults to the kernel size
        var p = Pair(padding, 0, op, nameof(padding), 0);
        var d = Pair(dilation, 1, op, nameof(dilation), 1);
        if (p.H > k.H / 2 || p.W > k.W / 2)
            throw new ArgumentException($"{op}: padding {Format(p)} must be at most half the kernel size {Format(k)}.", nameof(padding));
        RequireNonEmptyPlanes(op, input);
        var x = unbatched ? input.Unsqueeze(0) : input;
        int h = x.Size(2), w = x.Size(3);
        int oh = PoolOutputSize(h, k.H, p.H, s.H, d.H, ceilMode), ow = PoolOutputSize(w, k.W, p.W, s.W, d.W, ceilMode);
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"{op}: input {input.Shape} with kernel {Format(k)}, stride {Format(s)}, padding {Format(p)} and dilation {Format(d)} gives output size ({oh}, {ow}), which is too small.", nameof(input));
        return (x, unbatched, new PoolGeometry(x.Size(0) * x.Size(1), h, w, oh, ow, k.H, k.W, s.H, s.W, p.H, p.W, d.H, d.W));
    }

    /// <summary>PyTorch's pooling_output_shape: floor (or ceil) division, and in ceil mode the last window must start inside the input or its left padding.</summary>
    internal static int PoolOutputSize(int size, int kernel, int pad, int stride, int dilation, bool ceilMode)
    {
        long numerator = (long)size + 2 * pad - (long)dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long output = (long)Math.Floor((double)numerator / stride) + 1;
        if (ceilMode && (output - 1) * stride >= size + pad) output--;
        return (int)Math.Clamp(output, int.MinValue, int.MaxValue);
    }

    private static void RequireNonEmptyPlanes(string op, Tensor input)
    {
        for (int i = input.Rank - 3; i < input.Rank; i++)
            if (input.Size(i) == 0)
                throw new ArgumentException($"{op}: input {input.Shape} has an empty dimension {i}; only the batch dimension may be 0.", nameof(input));
    }
}
