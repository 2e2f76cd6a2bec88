using Cajal.Optim;

namespace Cajal.Tests.Optim;

public class OptimizerValidationTests
{
    private static Tensor[] P() => [Tensor.Zeros([2], requiresGrad: true)];

    private static void Rejects(string expected, Func<object> construct) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(construct).Message);

    [Fact]
    public void Invalid_hyper_parameters_are_rejected_as_PyTorch_does()
    {
        Rejects("Sgd: invalid learning rate -0.1", () => new Sgd(P(), lr: -0.1));
        Rejects("Sgd: invalid momentum value -0.5", () => new Sgd(P(), lr: 0.1, momentum: -0.5));
        Rejects("Sgd: invalid weight_decay value -1", () => new Sgd(P(), lr: 0.1, weightDecay: -1));
        Rejects("Nesterov momentum requires a momentum and zero dampening", () => new Sgd(P(), lr: 0.1, nesterov: true));
        Rejects("Nesterov momentum requires a momentum and zero dampening", () => new Sgd(P(), lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Rejects("Adam: invalid beta parameter at index 0: 1", () => new Adam(P(), beta1: 1.0));
        Rejects("Adam: invalid beta parameter at index 1: -0.1", () => new Adam(P(), beta2: -0.1));
        Rejects("Adam: invalid epsilon value -1E-08", () => new Adam(P(), eps: -1e-8));
        Rejects("AdamW: invalid learning rate NaN", () => new AdamW(P(), lr: double.NaN));
        Rejects("RmsProp: invalid alpha value -0.9", () => new RmsProp(P(), alpha: -0.9));
        Rejects("RmsProp: invalid momentum value -1", () => new RmsProp(P(), momentum: -1));
        Rejects("Adagrad: invalid lr_decay value -0.1", () => new Adagrad(P(), lrDecay: -0.1));
        Rejects("Adagrad: invalid initial_accumulator_value value -1", () => new Adagrad(P(), initialAccumulatorValue: -1));
    }

    [Fact]
    public void Group_overrides_are_validated_too()
    {
        Rejects("invalid learning rate -1",
            () => new Adam([new ParamGroup<AdamOptions>(P()), new ParamGroup<AdamOptions>(P(), o => o with { Lr = -1 })]));
        var sgd = new Sgd(P(), lr: 0.1, momentum: 0.9, nesterov: true);
        Assert.Throws<ArgumentException>(() => sgd.Groups[0].Options = sgd.Groups[0].Options with { Momentum = 0 });
        Assert.Throws<ArgumentException>(() => sgd.Groups[0].Options = sgd.Groups[0].Options with { Lr = -0.5 });
        Assert.Equal(0.1, sgd.ParamGroups[0].Lr);
        sgd.ParamGroups[0].Lr = -0.5;   // a plain write, as PyTorch's param_group['lr'] = -0.5 (schedules may overshoot)
        Assert.Equal(-0.5, sgd.Groups[0].Options.Lr);
    }

    [Fact]
    public void Bad_parameter_lists_are_rejected()
    {
        Rejects("empty", () => new Sgd(Array.Empty<Tensor>(), lr: 0.1));
        Rejects("only floating-point tensors", () => new Sgd([Tensor.Arange(3)], lr: 0.1));
        var leaf = Tensor.Ones([2], requiresGrad: true);
        Rejects("not a leaf tensor", () => new Sgd([leaf * 2.0], lr: 0.1));
        Rejects("lists the same tensor twice", () => new Sgd([leaf, leaf], lr: 0.1));
        Rejects("already appears in another parameter group",
            () => new Sgd([new ParamGroup<SgdOptions>([leaf]), new ParamGroup<SgdOptions>([leaf])], lr: 0.1));
        var group = new ParamGroup<SgdOptions>([leaf]);
        _ = new Sgd([group], lr: 0.1);
        Rejects("already belongs to an optimizer", () => new Sgd([group], lr: 0.1));
    }

    [Fact]
    public void A_grad_of_the_wrong_shape_or_dtype_is_reported_at_step()
    {
        var p = Tensor.Zeros([2, 3], DType.Float64, requiresGrad: true);
        var sgd = new Sgd([p], lr: 0.1);
        p.Grad = Tensor.Zeros([3, 2], DType.Float64);
        Assert.Contains("Float64 (2, 3) but its Grad is Float64 (3, 2)", Assert.Throws<InvalidOperationException>(sgd.Step).Message);
        p.Grad = Tensor.Zeros([2, 3], DType.Float32);
        Assert.Throws<InvalidOperationException>(sgd.Step);
    }

    [Fact]
    public void AdamW_defaults_to_weight_decay_0_01_and_Adam_to_0()
    {
        Assert.Equal(0.01, new AdamW(P()).Defaults.WeightDecay);
        Assert.Equal(0.0, new Adam(P()).Defaults.WeightDecay);
        Assert.Null(new Adagrad(P()).ParamGroups[0].Momentum);
        Assert.Equal(0.9, new Adam(P()).ParamGroups[0].Momentum);
    }
}
