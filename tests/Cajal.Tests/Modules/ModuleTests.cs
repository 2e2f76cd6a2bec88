using Cajal.Nn;

namespace Cajal.Tests.Modules;

public class ModuleTests
{
    private static Sequential SmallNet(ulong seed = 1) => new(
        new Linear(4, 3, generator: new Generator(seed)),
        new ReLU(),
        new Sequential(new Linear(3, 2, generator: new Generator(seed + 1)), new BatchNorm1d(2)),
        new Dropout(0.5, new Generator(seed + 2)));

    [Fact]
    public void Named_parameters_use_PyTorch_dotted_names_in_registration_order()
    {
        var names = SmallNet().NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight", "2.1.bias" }, names);
    }

    [Fact]
    public void State_dict_holds_parameters_then_buffers_of_each_module_depth_first()
    {
        var keys = SmallNet().StateDict().Keys.ToArray();
        Assert.Equal(new[]
        {
            "0.weight", "0.bias", "2.0.weight", "2.0.bias",
            "2.1.weight", "2.1.bias", "2.1.running_mean", "2.1.running_var", "2.1.num_batches_tracked",
        }, keys);
    }

    [Fact]
    public void Load_state_dict_copies_values_into_another_model()
    {
        var a = SmallNet(1);
        var b = SmallNet(7);
        Assert.NotEqual(a.StateDict()["0.weight"].ToArray<float>(), b.StateDict()["0.weight"].ToArray<float>());
        var result = b.LoadStateDict(a.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        foreach (var (key, value) in a.StateDict())
            Assert.Equal(value.ToDoubleArray(), b.StateDict()[key].ToDoubleArray());
    }

    [Fact]
    public void Strict_load_lists_every_missing_and_unexpected_key_and_changes_nothing()
    {
        var model = SmallNet();
        var before = model.StateDict()["0.weight"].ToArray<float>();
        var state = new Dictionary<string, Tensor>(model.StateDict());
        state.Remove("0.bias");
        state.Remove("2.1.running_var");
        state["extra.weight"] = Tensor.Zeros([1]);
        state["0.weight"] = Tensor.Zeros([3, 4]);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("missing keys: 0.bias, 2.1.running_var", e.Message);
        Assert.Contains("unexpected keys: extra.weight", e.Message);
        Assert.Equal(before, model.StateDict()["0.weight"].ToArray<float>());

        var lenient = model.LoadStateDict(state, strict: false);
        Assert.Equal(new[] { "0.bias", "2.1.running_var" }, lenient.MissingKeys);
        Assert.Equal(new[] { "extra.weight" }, lenient.UnexpectedKeys);
        Assert.All(model.StateDict()["0.weight"].ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_shape_mismatch_is_an_error_even_when_not_strict()
    {
        var model = SmallNet();
        var state = new Dictionary<string, Tensor>(model.StateDict()) { ["0.weight"] = Tensor.Zeros([4, 3]) };
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state, strict: false));
        Assert.Contains("'0.weight': shape (4, 3) in the state dict, (3, 4) in the model", e.Message);
    }

    [Fact]
    public void Train_and_eval_propagate_to_every_descendant()
    {
        var model = SmallNet();
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.Training));
        model.Eval();
        Assert.All(model.NamedModules(), m => Assert.False(m.Module.Training));
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.Training));
    }

    [Fact]
    public void ZeroGrad_clears_every_parameter_gradient()
    {
        var model = SmallNet();
        model.Forward(Tensor.RandN([5, 4], new Generator(3))).Sum().Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void A_shared_layer_is_listed_once()
    {
        var shared = new Linear(2, 2);
        var model = new Sequential(shared, new ReLU(), shared);
        Assert.Equal(2, model.Parameters().Count());
        Assert.Equal(6, model.ParameterCount());
    }

    [Fact]
    public void ToString_prints_the_tree_like_PyTorch()
    {
        var text = SmallNet().ToString();
        Assert.Equal(
            "Sequential(\n" +
            "  (0): Linear(in_features=4, out_features=3, bias=True)\n" +
            "  (1): ReLU()\n" +
            "  (2): Sequential(\n" +
            "    (0): Linear(in_features=3, out_features=2, bias=True)\n" +
            "    (1): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n" +
            "  )\n" +
            "  (3): Dropout(p=0.5, inplace=False)\n" +
            ")", text);
    }

    [Fact]
    public void Summary_lists_each_layer_output_shape_and_parameter_count()
    {
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
        var summary = model.Summary(64, 784);
        Assert.Contains("0 (Linear)", summary);
        Assert.Contains("(64, 256)", summary);
        Assert.Contains("200,960", summary);
        Assert.Contains("(64, 10)", summary);
        Assert.Contains("Total parameters: 203,530", summary);
        Assert.True(model.Training);   // restored after the summary's evaluation-mode pass
    }

    [Fact]
    public void ModuleList_registers_parameters_but_has_no_forward()
    {
        var list = new ModuleList(new Linear(2, 3), new Linear(3, 1));
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias" }, list.NamedParameters().Select(p => p.Name));
        Assert.Throws<InvalidOperationException>(() => list.Forward(Tensor.Zeros([1, 2])));
    }
}

public class ModuleApiTests
{
    [Fact]
    public void Summary_feeds_indices_to_an_embedding_and_keeps_each_module_mode()
    {
        var dropout = new Dropout(0.5);
        var model = new Sequential(new Embedding(10, 4), new Flatten(), dropout, new Linear(12, 2));
        dropout.Eval();
        var summary = model.Summary(5, 3);
        Assert.Contains("(5, 3, 4)", summary);
        Assert.True(model.Training);
        Assert.False(dropout.Training);
        Assert.Contains("(5, 2)", model.Summary(DType.Int64, 5, 3));
    }

    [Fact]
    public void Containers_enumerate_their_modules_and_trees_list_modules_and_buffers()
    {
        var bn = new BatchNorm1d(3);
        var model = new Sequential(new Linear(2, 3), bn);
        Assert.Equal(2, model.Cast<Module>().Count());   // enumerates as IEnumerable<Module>
        Assert.Equal(3, model.Modules().Count());
        Assert.Equal(3, model.Buffers().Count());
        Assert.Equal(2, new ModuleList(new ReLU(), new Tanh()).Cast<Module>().Count());
    }

    [Fact]
    public void Embedding_rejects_negative_and_too_large_indices_naming_the_position()
    {
        var emb = new Embedding(4, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward(Tensor.FromArray(new long[] { 1, -1 })));
        Assert.Contains("index -1 at position 1", e.Message);
    }
}
