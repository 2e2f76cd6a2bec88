using Cajal.Nn;

namespace Cajal.Tests.Losses;

/// <summary>The module forms: thin wrappers over Functional with their options, printed like PyTorch's.</summary>
public class LossModuleTests
{
    [Fact]
    public void Each_module_computes_its_functional_form()
    {
        var g = new Generator(5);
        var x = Tensor.RandN([4, 3], g, DType.Float64);
        var y = Tensor.Rand([4, 3], g, DType.Float64);
        var p = Tensor.Rand([4, 3], g, DType.Float64) * 0.9 + 0.05;
        var idx = Tensor.FromArray(new long[] { 2, 0, 1, 1 });
        var w = Tensor.FromArray(new[] { 1.0, 2.0, 0.5 });
        var pairs = new (Loss Module, Tensor Expected, Tensor Actual)[]
        {
            (new MseLoss(Reduction.Sum), Functional.MseLoss(x, y, Reduction.Sum), x),
            (new SseLoss(), Functional.SseLoss(x, y), x),
            (new L1Loss(), Functional.L1Loss(x, y), x),
            (new SmoothL1Loss(beta: 0.5), Functional.SmoothL1Loss(x, y, beta: 0.5), x),
            (new HuberLoss(Reduction.None, 0.3), Functional.HuberLoss(x, y, Reduction.None, 0.3), x),
            (new BceLoss(weight: w), Functional.BinaryCrossEntropy(p, y, w), p),
            (new BceWithLogitsLoss(posWeight: w), Functional.BinaryCrossEntropyWithLogits(x, y, posWeight: w), x),
            (new KlDivLoss(KlDivReduction.BatchMean), Functional.KlDiv(x, y, KlDivReduction.BatchMean), x),
        };
        foreach (var (module, expected, input) in pairs)
            Assert.Equal(expected.ToDoubleArray(), module.Forward(input, y).ToDoubleArray());
        Assert.Equal(Functional.CrossEntropy(x, idx, w, 1, Reduction.Sum, 0.2).Item(),
            new CrossEntropyLoss(weight: w, ignoreIndex: 1, reduction: Reduction.Sum, labelSmoothing: 0.2).Forward(x, idx).Item());
        Assert.Equal(Functional.NllLoss(x, idx, w, 0).Item(), new NllLoss(weight: w, ignoreIndex: 0).Forward(x, idx).Item());
    }

    [Fact]
    public void Modules_print_their_non_default_options()
    {
        Assert.Equal("CrossEntropyLoss()", new CrossEntropyLoss().ToString());
        Assert.Equal("CrossEntropyLoss(reduction: Sum, ignoreIndex: 3, labelSmoothing: 0.1)",
            new CrossEntropyLoss(ignoreIndex: 3, reduction: Reduction.Sum, labelSmoothing: 0.1).ToString());
        Assert.Equal("SmoothL1Loss(beta: 0.5)", new SmoothL1Loss(beta: 0.5).ToString());
        Assert.Equal("KlDivLoss(reduction: BatchMean, logTarget: true)", new KlDivLoss(KlDivReduction.BatchMean, logTarget: true).ToString());
        Assert.Equal(Reduction.Mean, new MseLoss().Reduction);
        Assert.Equal(-100, new NllLoss().IgnoreIndex);
    }
}
