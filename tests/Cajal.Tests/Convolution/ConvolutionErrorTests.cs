using Cajal.Nn;

namespace Cajal.Tests.Convolution;

/// <summary>Bad arguments get an ArgumentException naming the op, the shapes and the bad value.</summary>
public class ConvolutionErrorTests
{
    private static Tensor Z(params int[] shape) => Tensor.Zeros(shape, DType.Float64);

    private static void Throws(Action action, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void Conv2d_channel_mismatch_names_both_shapes_and_the_groups()
    {
        Throws(() => Functional.Conv2d(Z(2, 3, 8, 8), Z(4, 2, 3, 3)),
            "Conv2d: input (2, 3, 8, 8) has 3 channels but weight (4, 2, 3, 3) expects 2 × groups 1");
    }

    [Fact]
    public void Conv2d_rejects_bad_ranks_dtypes_bias_and_groups()
    {
        Throws(() => Functional.Conv2d(Z(8, 8), Z(4, 1, 3, 3)), "Conv2d", "rank 4 (N, C, H, W) or 3 (C, H, W)", "(8, 8)");
        Throws(() => Functional.Conv2d(Z(1, 3, 8, 8), Z(4, 3, 3)), "Conv2d: weight must have rank 4", "(4, 3, 3)");
        Throws(() => Functional.Conv2d(Z(1, 3, 8, 8), Tensor.Zeros([4, 3, 3, 3])), "Conv2d", "Float64", "Float32");
        Throws(() => Functional.Conv2d(Z(1, 3, 8, 8), Z(4, 3, 3, 3), Z(5)), "Conv2d: bias (5) must be (4)");
        Throws(() => Functional.Conv2d(Z(1, 4, 8, 8), Z(3, 2, 3, 3), groups: 2), "Conv2d: groups 2 must divide the weight's 3 output channels");
        Throws(() => Functional.Conv2d(Z(1, 4, 8, 8), Z(4, 4, 3, 3), groups: 0), "Conv2d: groups must be positive, got 0");
        Throws(() => Functional.Conv2d(Tensor.Zeros([1, 1, 3, 3], DType.Int64), Tensor.Zeros([1, 1, 1, 1], DType.Int64)), "Conv2d", "floating-point", "Int64");
    }

    [Fact]
    public void Conv2d_rejects_bad_stride_padding_dilation_and_an_empty_output()
    {
        Throws(() => Functional.Conv2d(Z(1, 1, 8, 8), Z(1, 1, 3, 3), stride: [0, 1]), "Conv2d: stride must be positive, got (0, 1)");
        Throws(() => Functional.Conv2d(Z(1, 1, 8, 8), Z(1, 1, 3, 3), padding: [-1]), "Conv2d: padding must be non-negative, got (-1, -1)");
        Throws(() => Functional.Conv2d(Z(1, 1, 8, 8), Z(1, 1, 3, 3), dilation: [1, 2, 3]), "Conv2d: dilation must have 1 or 2 values", "[1, 2, 3]");
        Throws(() => Functional.Conv2d(Z(1, 1, 2, 2), Z(1, 1, 3, 3)), "Conv2d: input (1, 1, 2, 2) padded by (0, 0) is smaller than the kernel (3, 3)");
        Throws(() => Functional.Conv2d(Z(1, 1, 5, 5), Z(1, 1, 3, 3), dilation: [3, 1]), "dilated by (3, 1)", "extent (7, 3)");
        Throws(() => Functional.Conv2d(Z(1, 1, 5, 5), Z(1, 1, 3, 3), ConvPadding.Same, stride: [2, 2]), "Conv2d: padding Same needs stride 1, got stride (2, 2)");
        Throws(() => Functional.Conv2d(Z(1, 1, 5, 5), Z(1, 1, 3, 3), new ConvPadding(-1, 0)), "Conv2d: padding must be non-negative, got (-1, 0)");
    }

    [Fact]
    public void ConvTranspose2d_rejects_mismatched_channels_output_padding_and_an_empty_output()
    {
        Throws(() => Functional.ConvTranspose2d(Z(1, 3, 4, 4), Z(2, 3, 3, 3)), "ConvTranspose2d: input (1, 3, 4, 4) has 3 channels but weight (2, 3, 3, 3) expects 2");
        Throws(() => Functional.ConvTranspose2d(Z(1, 3, 4, 4), Z(3, 1, 3, 3), groups: 2), "ConvTranspose2d: groups 2 must divide the input's 3 channels");
        Throws(() => Functional.ConvTranspose2d(Z(1, 2, 4, 4), Z(2, 1, 3, 3), stride: [2, 2], outputPadding: [2, 0]), "ConvTranspose2d: outputPadding (2, 0) must be smaller than either the stride (2, 2) or the dilation (1, 1)");
        Throws(() => Functional.ConvTranspose2d(Z(1, 1, 1, 1), Z(1, 1, 1, 1), padding: [1, 1]), "ConvTranspose2d", "empty output (-1, -1)");
        Throws(() => Functional.ConvTranspose2d(Z(1, 2, 4, 4), Z(2, 1, 3, 3), Z(2)), "ConvTranspose2d: bias (2) must be (1)");
    }

    [Fact]
    public void Pooling_rejects_large_padding_zero_kernels_small_outputs_and_bad_inputs()
    {
        Throws(() => Functional.MaxPool2d(Z(1, 1, 4, 4), [3, 3], padding: [2, 1]), "MaxPool2d: padding (2, 1) must be at most half the kernel size (3, 3)");
        Throws(() => Functional.AvgPool2d(Z(1, 1, 4, 4), [2], padding: [2]), "AvgPool2d: padding (2, 2) must be at most half the kernel size (2, 2)");
        Throws(() => Functional.MaxPool2d(Z(1, 1, 4, 4), [0, 2]), "MaxPool2d: kernelSize must be positive, got (0, 2)");
        Throws(() => Functional.MaxPool2d(Z(1, 1, 4, 4), []), "MaxPool2d: kernelSize must have 1 or 2 values");
        Throws(() => Functional.MaxPool2d(Z(1, 1, 2, 2), [3, 3]), "MaxPool2d: input (1, 1, 2, 2) with kernel (3, 3)", "gives output size (0, 0), which is too small");
        Throws(() => Functional.MaxPool2d(Z(1, 1, 5, 5), [2, 2], dilation: [5, 1]), "MaxPool2d", "dilation (5, 1)", "too small");
        Throws(() => Functional.AvgPool2d(Z(1, 1, 4, 4), [2, 2], divisorOverride: 0), "AvgPool2d: divisorOverride must not be zero");
        Throws(() => Functional.MaxPool2d(Z(4, 4), [2, 2]), "MaxPool2d: expected input of rank 4 (N, C, H, W) or 3 (C, H, W), got (4, 4)");
        Throws(() => Functional.AvgPool2d(Z(1, 0, 4, 4), [2, 2]), "AvgPool2d: input (1, 0, 4, 4) has an empty dimension 1");
        Throws(() => Functional.AdaptiveAvgPool2d(Z(1, 1, 4, 4), [-1, 2]), "AdaptiveAvgPool2d: outputSize must be non-negative, got (-1, 2)");
        Throws(() => Functional.AdaptiveAvgPool2d(Z(1, 1, 4, 4), [1, 2, 3]), "AdaptiveAvgPool2d: outputSize must have 1 or 2 values");
        Throws(() => Functional.AdaptiveAvgPool2d(Tensor.Zeros([1, 2, 2], DType.Int64), [1]), "AdaptiveAvgPool2d", "floating-point", "Int64");
    }
}
