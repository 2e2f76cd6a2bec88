using Cajal.Optim;

namespace Cajal.Tests.Optim;

public class OptimizerTests
{
    /// <summary>f(p) = Σ dᵢ·(pᵢ − tᵢ)², an ill-conditioned bowl with its minimum at t.</summary>
    private static Tensor Bowl(Tensor p, Tensor target, Tensor diag) => ((p - target).Pow(2.0) * diag).Sum();

    public static TheoryData<string> Optimizers => ["sgd", "sgd_nesterov", "adam", "adam_amsgrad", "adamw", "rmsprop", "rmsprop_centered", "adagrad"];

    internal static Optimizer Make(string name, IEnumerable<Tensor> p) => name switch
    {
        "sgd" => new Sgd(p, lr: 0.05),
        "sgd_nesterov" => new Sgd(p, lr: 0.02, momentum: 0.9, nesterov: true),
        "adam" => new Adam(p, lr: 0.05),
        "adam_amsgrad" => new Adam(p, lr: 0.05, amsgrad: true),
        "adamw" => new AdamW(p, lr: 0.05, weightDecay: 1e-4),
        "rmsprop" => new RmsProp(p, lr: 0.01),
        "rmsprop_centered" => new RmsProp(p, lr: 0.005, momentum: 0.5, centered: true),
        "adagrad" => new Adagrad(p, lr: 0.5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Each_optimizer_finds_the_minimum_of_a_quadratic_in_float32_and_float64(string name)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var target = Tensor.FromArray(new double[] { 1, -2, 0.5, 3, -1, 2, 0, 1.5, -0.5, 2.5, 1, -3 }).To(dtype);
            var diag = Tensor.FromArray(new double[] { 1, 4, 0.5, 2, 1, 3, 1, 0.8, 2, 1, 1.5, 0.6 }).To(dtype);
            var p = Tensor.Zeros([12], dtype, requiresGrad: true);
            var optimizer = Make(name, [p]);
            double initial = Bowl(p, target, diag).Item();
            for (int i = 0; i < 600; i++)
            {
                optimizer.ZeroGrad();
                Bowl(p, target, diag).Backward();
                optimizer.Step();
            }
            double final = Bowl(p, target, diag).Item();
            Assert.True(final < 1e-4 * initial, $"{name} {dtype}: loss {initial} → {final}");
        }
    }

    [Fact]
    public void Parameter_groups_use_their_own_lr_and_inherit_the_other_defaults()
    {
        var rng = new Generator(5);
        var a = Tensor.RandN([3, 2], rng, DType.Float64, requiresGrad: true);
        var b = Tensor.RandN([4], rng, DType.Float64, requiresGrad: true);
        var a2 = a.Detach().Clone(); var b2 = b.Detach().Clone();
        a2.RequiresGrad = b2.RequiresGrad = true;

        var grouped = new Sgd([new ParamGroup<SgdOptions>([a]), new ParamGroup<SgdOptions>([b], o => o with { Lr = 0.01 })], lr: 0.1, momentum: 0.9);
        var onlyA = new Sgd([a2], lr: 0.1, momentum: 0.9);
        var onlyB = new Sgd([b2], lr: 0.01, momentum: 0.9);
        Assert.Equal(0.1, grouped.ParamGroups[0].Lr);
        Assert.Equal(0.01, grouped.ParamGroups[1].Lr);
        Assert.Equal(0.9, grouped.Groups[1].Options.Momentum);

        for (int step = 0; step < 4; step++)
        {
            var ga = Tensor.RandN([3, 2], rng, DType.Float64);
            var gb = Tensor.RandN([4], rng, DType.Float64);
            a.Grad = ga.Clone(); a2.Grad = ga.Clone();
            b.Grad = gb.Clone(); b2.Grad = gb.Clone();
            grouped.Step(); onlyA.Step(); onlyB.Step();
        }
        Assert.Equal(a2.ToArray<double>(), a.ToArray<double>());
        Assert.Equal(b2.ToArray<double>(), b.ToArray<double>());

        grouped.ParamGroups[1].Lr = 0.5;   // as a scheduler would
        Assert.Equal(0.5, grouped.Groups[1].Options.Lr);
        Assert.Equal(0.1, grouped.Groups[0].Options.Lr);
    }

    [Fact]
    public void Parameters_without_grad_are_skipped_and_keep_no_state()
    {
        var a = Tensor.Ones([3], DType.Float64, requiresGrad: true);
        var b = Tensor.Ones([2], DType.Float64, requiresGrad: true);
        var adam = new Adam([a, b], lr: 0.1);
        a.Grad = Tensor.Ones([3], DType.Float64);
        adam.Step();
        Assert.Equal(new[] { 1.0, 1.0 }, b.ToArray<double>());
        Assert.NotEqual(1.0, a.ToArray<double>()[0]);
        var keys = adam.StateDict().Tensors.Keys.Order().ToList();
        Assert.Equal(["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"], keys);
    }

    [Fact]
    public void ZeroGrad_sets_grads_to_null_or_to_zeros()
    {
        var a = Tensor.Ones([3], requiresGrad: true);
        var sgd = new Sgd([a], lr: 0.1);
        a.Grad = Tensor.Ones([3]);
        sgd.ZeroGrad(setToNone: false);
        Assert.Equal(new float[3], a.Grad!.ToArray<float>());
        sgd.ZeroGrad();
        Assert.Null(a.Grad);
    }

    [Fact]
    public void A_non_contiguous_parameter_is_updated_like_its_contiguous_copy()
    {
        var rng = new Generator(9);
        var viewed = Tensor.RandN([4, 3], rng, DType.Float64).T;   // (3, 4), strided
        Assert.False(viewed.IsContiguous);
        viewed.RequiresGrad = true;
        var plain = viewed.Detach().Clone();
        plain.RequiresGrad = true;
        var o1 = new RmsProp([viewed], lr: 0.01, momentum: 0.9, centered: true);
        var o2 = new RmsProp([plain], lr: 0.01, momentum: 0.9, centered: true);
        for (int i = 0; i < 3; i++)
        {
            var g = Tensor.RandN([3, 4], rng, DType.Float64);
            viewed.Grad = g.Clone(); plain.Grad = g.Clone();
            o1.Step(); o2.Step();
        }
        Assert.Equal(plain.ToArray<double>(), viewed.ToArray<double>());
    }

    [Fact]
    public void Float32_parameters_follow_the_float64_trajectory_closely()
    {
        var rng = new Generator(3);
        var p64 = Tensor.RandN([20], rng, DType.Float64, requiresGrad: true);
        var p32 = p64.Detach().To(DType.Float32);
        p32.RequiresGrad = true;
        var o64 = new Adam([p64], lr: 0.01, amsgrad: true, weightDecay: 0.01);
        var o32 = new Adam([p32], lr: 0.01, amsgrad: true, weightDecay: 0.01);
        for (int i = 0; i < 10; i++)
        {
            var g = Tensor.RandN([20], rng, DType.Float64);
            p64.Grad = g; p32.Grad = g.To(DType.Float32);
            o64.Step(); o32.Step();
        }
        var a = p64.ToArray<double>();
        var b = p32.ToArray<float>();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-5, $"[{i}] {a[i]} vs {b[i]}");
    }

    [Fact]
    public void Step_with_a_closure_returns_the_loss_and_updates()
    {
        var p = Tensor.Full([2], 3.0, DType.Float64, requiresGrad: true);
        var sgd = new Sgd([p], lr: 0.25);
        var loss = sgd.Step(() =>
        {
            sgd.ZeroGrad();
            var l = p.Pow(2.0).Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(18.0, loss.Item());
        Assert.Equal(new[] { 1.5, 1.5 }, p.ToArray<double>());
    }

    [Fact]
    public void A_step_counts_as_an_in_place_write_so_an_old_graph_cannot_backward()
    {
        var p = Tensor.Ones([3], DType.Float64, requiresGrad: true);
        var y = (p * p).Sum();
        var sgd = new Sgd([p], lr: 0.1);
        p.Grad = Tensor.Ones([3], DType.Float64);
        sgd.Step();
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }
}
