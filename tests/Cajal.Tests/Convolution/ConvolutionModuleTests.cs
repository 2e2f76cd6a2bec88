using Cajal.Nn;
using static Cajal.Tests.Convolution.ConvolutionTests;

namespace Cajal.Tests.Convolution;

public class ConvolutionModuleTests
{
    [Fact]
    public void Conv2d_lists_weight_and_bias_with_PyTorch_names_and_shapes()
    {
        var conv = new Conv2d(4, 6, kernelSize: (3, 5), groups: 2);
        Assert.Equal(["weight", "bias"], conv.NamedParameters().Select(p => p.Name));
        Assert.Equal(new Shape(6, 2, 3, 5), conv.Weight.Shape);
        Assert.Equal(new Shape(6), conv.Bias!.Shape);
        Assert.Equal(6 * 2 * 15 + 6, conv.ParameterCount());
        Assert.Equal(["weight"], new Conv2d(1, 1, 3, bias: false).StateDict().Keys);
        var transposed = new ConvTranspose2d(4, 6, 3, groups: 2);
        Assert.Equal(new Shape(4, 3, 3, 3), transposed.Weight.Shape);
        Assert.Equal(["weight", "bias"], transposed.StateDict().Keys);
    }

    [Fact]
    public void Default_init_is_uniform_within_one_over_sqrt_fan_in_and_reproducible()
    {
        var conv = new Conv2d(8, 16, 3, generator: new Generator(5));
        double bound = 1 / Math.Sqrt(8 * 9);
        foreach (var p in new[] { conv.Weight, conv.Bias! })
        {
            var v = p.ToDoubleArray();
            Assert.All(v, x => Assert.InRange(x, -bound, bound));
            Assert.True(v.Max() > 0.8 * bound && v.Min() < -0.8 * bound, $"{p.Shape} spans [{v.Min()}, {v.Max()}]");
        }
        Assert.Equal(conv.Weight.ToDoubleArray(), new Conv2d(8, 16, 3, generator: new Generator(5)).Weight.ToDoubleArray());

        // ConvTranspose2d's fan_in is PyTorch's for its (in, out/groups, kH, kW) weight: out/groups·kH·kW.
        var t = new ConvTranspose2d(3, 4, (2, 3), groups: 1, generator: new Generator(6), dtype: DType.Float64);
        double tb = 1 / Math.Sqrt(4 * 6);
        Assert.Equal(DType.Float64, t.Weight.DType);
        Assert.All(t.Weight.ToDoubleArray(), x => Assert.InRange(x, -tb, tb));
        Assert.True(t.Weight.ToDoubleArray().Max() > 0.7 * tb);
    }

    [Fact]
    public void Printouts_match_PyTorch()
    {
        // Strings printed by PyTorch 1.13 for the same constructor calls.
        Assert.Equal("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))", new Conv2d(1, 6, kernelSize: 5, padding: 2).ToString());
        Assert.Equal("Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 2), groups=2, bias=False)",
            new Conv2d(4, 8, (3, 5), stride: (2, 1), padding: (1, 2), dilation: 2, groups: 2, bias: false).ToString());
        Assert.Equal("Conv2d(3, 3, kernel_size=(3, 3), stride=(1, 1), padding=same)", new Conv2d(3, 3, 3, padding: ConvPadding.Same).ToString());
        Assert.Equal("ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), output_padding=(1, 0))",
            new ConvTranspose2d(16, 33, (3, 5), stride: (2, 1), padding: (4, 2), outputPadding: (1, 0)).ToString());
        Assert.Equal("ConvTranspose2d(4, 4, kernel_size=(3, 3), stride=(2, 2), dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)",
            new ConvTranspose2d(4, 4, 3, stride: 2, outputPadding: 1, groups: 2, bias: false, dilation: 2).ToString());
        Assert.Equal("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).ToString());
        Assert.Equal("MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=2, ceil_mode=True)",
            new MaxPool2d((3, 2), stride: (2, 1), padding: 1, dilation: 2, ceilMode: true).ToString());
        Assert.Equal("AvgPool2d(kernel_size=3, stride=2, padding=1)", new AvgPool2d(3, stride: 2, padding: 1).ToString());
        Assert.Equal("AdaptiveAvgPool2d(output_size=1)", new AdaptiveAvgPool2d(1).ToString());
        Assert.Equal("AdaptiveAvgPool2d(output_size=(2, 3))", new AdaptiveAvgPool2d((2, 3)).ToString());
    }

    [Fact]
    public void Modules_compute_what_the_functional_ops_compute()
    {
        var rng = new Generator(21);
        var x = Tensor.RandN([2, 4, 9, 8], rng, DType.Float64);
        var conv = new Conv2d(4, 6, (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2), groups: 2, generator: rng, dtype: DType.Float64);
        Assert.Equal(Values(Functional.Conv2d(x, conv.Weight, conv.Bias, [2, 1], [1, 0], [1, 2], 2)), Values(conv.Forward(x)));
        var same = new Conv2d(4, 3, 4, padding: ConvPadding.Same, dilation: 2, generator: rng, dtype: DType.Float64);
        Assert.Equal(new Shape(2, 3, 9, 8), same.Forward(x).Shape);
        var up = new ConvTranspose2d(4, 2, 3, stride: 2, padding: 1, outputPadding: 1, generator: rng, dtype: DType.Float64);
        Assert.Equal(new Shape(2, 2, 18, 16), up.Forward(x).Shape);
        Assert.Equal(Values(Functional.MaxPool2d(x, [3, 3], [2, 2], [1, 1], null, true)), Values(new MaxPool2d(3, stride: 2, padding: 1, ceilMode: true).Forward(x)));
        var (values, indices) = new MaxPool2d(2).ForwardWithIndices(x);
        Assert.Equal(new Shape(2, 4, 4, 4), values.Shape);
        Assert.Equal(DType.Int64, indices.DType);
        Assert.Equal(Values(Functional.AvgPool2d(x, [2, 3], [1, 2], [1, 1], false, false, null)), Values(new AvgPool2d((2, 3), stride: (1, 2), padding: 1, countIncludePad: false).Forward(x)));
        Assert.Equal(Values(Functional.AdaptiveAvgPool2d(x, [3, 2])), Values(new AdaptiveAvgPool2d((3, 2)).Forward(x)));
    }

    [Fact]
    public void Conv2d_and_ConvTranspose2d_layers_pass_gradcheck_for_input_and_parameters()
    {
        var rng = new Generator(22);
        var x = Tensor.RandN([2, 2, 5, 4], rng, DType.Float64, requiresGrad: true);
        var conv = new Conv2d(2, 3, (2, 3), padding: ConvPadding.Same, generator: rng, dtype: DType.Float64);
        var up1 = Tensor.RandN([2, 3, 5, 4], rng, DType.Float64);
        GradCheck.Assert(() => (conv.Forward(x) * up1).Sum(), x, conv.Weight, conv.Bias!);
        var deconv = new ConvTranspose2d(2, 2, 3, stride: 2, padding: 1, outputPadding: 1, generator: rng, dtype: DType.Float64);
        var up2 = Tensor.RandN([2, 2, 10, 8], rng, DType.Float64);
        GradCheck.Assert(() => (deconv.Forward(x) * up2).Sum(), x, deconv.Weight, deconv.Bias!);
    }

    [Fact]
    public void A_LeNet_style_Sequential_trains_one_step_and_summarises_its_shapes()
    {
        var rng = new Generator(23);
        var model = new Sequential(
            new Conv2d(1, 6, kernelSize: 5, padding: 2, generator: rng), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, kernelSize: 5, generator: rng), new ReLU(), new AvgPool2d(2),
            new AdaptiveAvgPool2d(1), new Flatten(), new Linear(16, 10, generator: rng));
        var x = Tensor.RandN([4, 1, 28, 28], rng);
        var loss = model.Forward(x).Pow(2).Mean();
        loss.Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.Contains("0.weight", model.StateDict().Keys);
        Assert.Contains("3.bias", model.StateDict().Keys);
        string summary = model.Summary(1, 1, 28, 28);
        Assert.Contains("(1, 6, 28, 28)", summary);
        Assert.Contains("(1, 16, 5, 5)", summary);
        Assert.Contains("(1, 16, 1, 1)", summary);
    }

    [Fact]
    public void Constructors_reject_bad_channels_groups_and_sizes()
    {
        Assert.Contains("Conv2d: groups 2 must divide both inChannels 3 and outChannels 4", Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3, groups: 2)).Message);
        Assert.Contains("Conv2d: channel counts must be positive, got in 0, out 4", Assert.Throws<ArgumentException>(() => new Conv2d(0, 4, 3)).Message);
        Assert.Contains("Conv2d: kernelSize must be positive, got (0, 3)", Assert.Throws<ArgumentException>(() => new Conv2d(1, 4, (0, 3))).Message);
        Assert.Contains("Conv2d: padding Same needs stride 1, got stride (2, 2)", Assert.Throws<ArgumentException>(() => new Conv2d(1, 4, 3, stride: 2, padding: ConvPadding.Same)).Message);
        Assert.Contains("ConvTranspose2d: outputPadding (2, 2) must be smaller", Assert.Throws<ArgumentException>(() => new ConvTranspose2d(1, 1, 3, stride: 2, outputPadding: 2)).Message);
        Assert.Contains("MaxPool2d: padding (2, 2) must be at most half the kernel size (3, 3)", Assert.Throws<ArgumentException>(() => new MaxPool2d(3, padding: 2)).Message);
        Assert.Contains("AvgPool2d: stride must be positive, got (0, 0)", Assert.Throws<ArgumentException>(() => new AvgPool2d(2, stride: 0)).Message);
        Assert.Contains("AdaptiveAvgPool2d: outputSize must be non-negative, got (-1, -1)", Assert.Throws<ArgumentException>(() => new AdaptiveAvgPool2d(-1)).Message);
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(3, 4, 3).Forward(Tensor.Zeros([1, 2, 8, 8])));
        Assert.Contains("Conv2d: input (1, 2, 8, 8) has 2 channels but weight (4, 3, 3, 3) expects 3 × groups 1", e.Message);
    }
}
