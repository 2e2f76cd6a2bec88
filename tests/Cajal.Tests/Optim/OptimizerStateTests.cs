using System.Text.Json.Nodes;
using Cajal.Optim;

namespace Cajal.Tests.Optim;

public class OptimizerStateTests
{
    public static TheoryData<string> Configurations =>
        ["sgd_momentum", "sgd_nesterov_wd", "adam", "adam_amsgrad_maximize", "adamw_amsgrad", "rmsprop_centered_momentum", "rmsprop_plain", "adagrad_decay"];

    /// <summary>Two groups (the second with its own lr), float32 and float64 parameters.</summary>
    private static Optimizer Make(string config, Tensor[] p, double lrScale = 1.0)
    {
        IEnumerable<Tensor> g0 = [p[0], p[1]], g1 = [p[2]];
        double lr = 0.01 * lrScale;
        return config switch
        {
            "sgd_momentum" => new Sgd([new ParamGroup<SgdOptions>(g0), new ParamGroup<SgdOptions>(g1, o => o with { Lr = 0.03 })], lr: lr, momentum: 0.9, dampening: 0.1),
            "sgd_nesterov_wd" => new Sgd([new ParamGroup<SgdOptions>(g0), new ParamGroup<SgdOptions>(g1, o => o with { WeightDecay = 0.2 })], lr: lr, momentum: 0.8, nesterov: true, weightDecay: 0.01),
            "adam" => new Adam([new ParamGroup<AdamOptions>(g0), new ParamGroup<AdamOptions>(g1, o => o with { Beta1 = 0.5 })], lr: lr),
            "adam_amsgrad_maximize" => new Adam([new ParamGroup<AdamOptions>(g0), new ParamGroup<AdamOptions>(g1, o => o with { Lr = 0.02 })], lr: lr, amsgrad: true, maximize: true, weightDecay: 0.1),
            "adamw_amsgrad" => new AdamW([new ParamGroup<AdamOptions>(g0), new ParamGroup<AdamOptions>(g1, o => o with { Amsgrad = false })], lr: lr, amsgrad: true),
            "rmsprop_centered_momentum" => new RmsProp([new ParamGroup<RmsPropOptions>(g0), new ParamGroup<RmsPropOptions>(g1, o => o with { Centered = false })], lr: lr, momentum: 0.7, centered: true),
            "rmsprop_plain" => new RmsProp([new ParamGroup<RmsPropOptions>(g0), new ParamGroup<RmsPropOptions>(g1)], lr: lr, weightDecay: 0.05),
            "adagrad_decay" => new Adagrad([new ParamGroup<AdagradOptions>(g0), new ParamGroup<AdagradOptions>(g1, o => o with { LrDecay = 0.3 })], lr: lr, lrDecay: 0.1, initialAccumulatorValue: 0.1),
            _ => throw new ArgumentException(config),
        };
    }

    private static Tensor[] Params(int seed)
    {
        var rng = new Generator((ulong)seed);
        var ps = new[]
        {
            Tensor.RandN([3, 4], rng, DType.Float32),
            Tensor.RandN([5], rng, DType.Float64),
            Tensor.RandN([2, 2, 2], rng, DType.Float64),
        };
        foreach (var p in ps) p.RequiresGrad = true;
        return ps;
    }

    private static void SetGrads(Tensor[] ps, Generator rng, int step)
    {
        foreach (var p in ps)
            p.Grad = (Tensor.RandN(p.Shape.ToArray(), rng, DType.Float64) * (step == 1 ? 0.01 : 1.0)).To(p.DType);
    }

    private static Tensor[] Copy(Tensor[] ps) => [.. ps.Select(p => { var c = p.Detach().Clone(); c.RequiresGrad = true; return c; })];

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Six_steps_equal_three_steps_then_save_load_into_a_new_optimizer_then_three_more_bit_for_bit(string config)
    {
        var straight = Params(1);
        var gradsA = new Generator(77);
        var a = Make(config, straight);
        for (int k = 0; k < 6; k++) { SetGrads(straight, gradsA, k); a.Step(); }

        var first = Params(1);
        var gradsB = new Generator(77);
        var b = Make(config, first);
        for (int k = 0; k < 3; k++) { SetGrads(first, gradsB, k); b.Step(); }
        var saved = b.StateDict();
        // The metadata goes through JSON text, as a checkpoint stores it.
        var metadata = OptimizerMetadata.FromJson(saved.Metadata.ToJson());
        var resumed = Copy(first);
        var c = Make(config, resumed, lrScale: 7.0);   // other defaults: the state dict's options must win
        c.LoadStateDict(new OptimizerStateDict(saved.Tensors, metadata));
        for (int k = 3; k < 6; k++) { SetGrads(resumed, gradsB, k); c.Step(); }

        for (int i = 0; i < straight.Length; i++)
            Assert.Equal(straight[i].ToDoubleArray(), resumed[i].ToDoubleArray());
    }

    [Fact]
    public void The_state_dict_uses_PyTorch_names_and_copies_the_tensors()
    {
        var ps = Params(2);
        var adam = new Adam(ps, amsgrad: true);
        SetGrads(ps, new Generator(1), 0);
        adam.Step();
        var sd = adam.StateDict();
        Assert.Equal(12, sd.Tensors.Count);
        Assert.Equal(1.0, sd.Tensors["state.2.step"].Item());
        Assert.Equal(DType.Float32, sd.Tensors["state.0.exp_avg"].DType);
        Assert.Equal([0, 1, 2], sd.Metadata.ParamGroups[0].Params);
        var options = sd.Metadata.ParamGroups[0].Options;
        Assert.Equal(0.001, options["lr"]!.GetValue<double>());
        Assert.True(options["amsgrad"]!.GetValue<bool>());
        Assert.Equal(0.999, options["beta2"]!.GetValue<double>());
        double before = sd.Tensors["state.1.exp_avg"].ToDoubleArray()[0];
        adam.Step();
        Assert.Equal(before, sd.Tensors["state.1.exp_avg"].ToDoubleArray()[0]);
    }

    [Fact]
    public void Adagrad_has_state_before_its_first_step_as_PyTorch()
    {
        var p = Tensor.Zeros([2], DType.Float64, requiresGrad: true);
        var sd = new Adagrad([p], initialAccumulatorValue: 0.3).StateDict();
        Assert.Equal(new[] { 0.3, 0.3 }, sd.Tensors["state.0.sum"].ToArray<double>());
        Assert.Equal(0.0, sd.Tensors["state.0.step"].Item());
    }

    private static (Optimizer Optimizer, OptimizerStateDict State) Stepped()
    {
        var ps = Params(3);
        var sgd = new Sgd(ps, lr: 0.1, momentum: 0.9);
        SetGrads(ps, new Generator(2), 0);
        sgd.Step();
        return (sgd, sgd.StateDict());
    }

    private static OptimizerStateDict WithTensors(OptimizerStateDict sd, Action<Dictionary<string, Tensor>> change)
    {
        var t = new Dictionary<string, Tensor>(sd.Tensors);
        change(t);
        return sd with { Tensors = t };
    }

    [Fact]
    public void Mismatched_state_dicts_are_rejected_with_a_clear_message_and_change_nothing()
    {
        var (sgd, sd) = Stepped();
        var adam = new Adam(Params(3));
        Assert.Contains("saved by Sgd, not Adam", Assert.Throws<ArgumentException>(() => adam.LoadStateDict(sd)).Message);

        var twoGroups = new Sgd([new ParamGroup<SgdOptions>(Params(3)), new ParamGroup<SgdOptions>(Params(4))], lr: 0.1);
        Assert.Contains("1 parameter group(s), this optimizer has 2", Assert.Throws<ArgumentException>(() => twoGroups.LoadStateDict(sd)).Message);

        var fewer = new Sgd(Params(3).Take(2), lr: 0.1, momentum: 0.9);
        Assert.Contains("has 3 parameter(s) in the state dict but 2", Assert.Throws<ArgumentException>(() => fewer.LoadStateDict(sd)).Message);

        var wrongShape = WithTensors(sd, t => t["state.1.momentum_buffer"] = Tensor.Zeros([6], DType.Float64));
        Assert.Contains("'state.1.momentum_buffer' has shape (6) but parameter 1 has shape (5)",
            Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(wrongShape)).Message);

        var unknown = WithTensors(sd, t => t["state.0.exp_avg"] = Tensor.Zeros([3, 4]));
        Assert.Contains("unexpected key 'state.0.exp_avg'", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(unknown)).Message);

        var outOfRange = WithTensors(sd, t => t["state.9.momentum_buffer"] = Tensor.Zeros([5]));
        Assert.Contains("names parameter 9", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(outOfRange)).Message);

        var badKey = WithTensors(sd, t => t["momentum"] = Tensor.Zeros([5]));
        Assert.Contains("unexpected key 'momentum'", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(badKey)).Message);

        var options = (JsonObject)sd.Metadata.ParamGroups[0].Options.DeepClone();
        options.Remove("nesterov");
        options["betas"] = 1;
        var badOptions = sd with { Metadata = sd.Metadata with { ParamGroups = [sd.Metadata.ParamGroups[0] with { Options = options }] } };
        var message = Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(badOptions)).Message;
        Assert.Contains("missing: nesterov", message);
        Assert.Contains("unexpected: betas", message);

        var negative = (JsonObject)sd.Metadata.ParamGroups[0].Options.DeepClone();
        negative["lr"] = -1.0;
        var badLr = sd with { Metadata = sd.Metadata with { ParamGroups = [sd.Metadata.ParamGroups[0] with { Options = negative }] } };
        Assert.Contains("invalid learning rate -1", Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(badLr)).Message);

        // None of the failed loads changed the optimizer.
        Assert.Equal(sd.Tensors["state.1.momentum_buffer"].ToDoubleArray(), sgd.StateDict().Tensors["state.1.momentum_buffer"].ToDoubleArray());
        Assert.Equal(0.1, sgd.ParamGroups[0].Lr);
    }

    [Fact]
    public void A_partial_state_is_rejected()
    {
        var ps = Params(5);
        var adam = new Adam(ps);
        SetGrads(ps, new Generator(2), 0);
        adam.Step();
        var sd = WithTensors(adam.StateDict(), t => t.Remove("state.1.exp_avg_sq"));
        Assert.Contains("lacks state.1.exp_avg_sq", Assert.Throws<ArgumentException>(() => adam.LoadStateDict(sd)).Message);
    }

    [Fact]
    public void The_scheduler_initial_lr_travels_in_the_options()
    {
        var ps = Params(6);
        var sgd = new Sgd(ps, lr: 0.1);
        _ = new StepLR(sgd, stepSize: 2);
        var options = sgd.StateDict().Metadata.ParamGroups[0].Options;
        Assert.Equal(0.1, options["initial_lr"]!.GetValue<double>());
        var fresh = new Sgd(Params(6), lr: 0.3);
        fresh.LoadStateDict(sgd.StateDict());
        Assert.Equal(0.1, fresh.ParamGroups[0].InitialLr);
        Assert.Equal(0.1, fresh.ParamGroups[0].Lr);
    }
}
