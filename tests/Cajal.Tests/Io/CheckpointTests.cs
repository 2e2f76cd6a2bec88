using Cajal.Io;
using Cajal.Nn;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

public class CheckpointTests
{
    private static Checkpoint Sample(Generator training)
    {
        var rng = new Generator(99);
        return new Checkpoint
        {
            Model = new Dictionary<string, Tensor>
            {
                ["features.0.weight"] = Tensor.RandN([4, 1, 3, 3], rng),
                ["features.0.bias"] = Tensor.RandN([4], rng),
                ["bn.running_mean"] = Tensor.RandN([4], rng, DType.Float64),
                ["bn.num_batches_tracked"] = Tensor.FromArray(new long[] { 120 }).Reshape(),
            },
            OptimizerState = new Dictionary<string, Tensor>
            {
                ["state.0.exp_avg"] = Tensor.RandN([4, 1, 3, 3], rng),
                ["state.0.step"] = Tensor.Scalar(120, DType.Float32),
            },
            OptimizerOptions = """{"type":"Adam","param_groups":[{"lr":0.001,"betas":[0.9,0.999],"eps":1e-08}]}""",
            SchedulerState = """{"type":"StepLR","last_epoch":3,"step_size":2,"gamma":0.5}""",
            Epoch = 3,
            Step = 120,
            GeneratorState = training.GetState(),
            Metadata = new Dictionary<string, string> { ["run"] = "mnist-cnn", ["seed"] = "7" },
        };
    }

    [Fact]
    public void Save_and_load_restore_everything_bit_for_bit_and_the_generator_continues_the_same_sequence()
    {
        using var folder = new TempFolder();
        var training = new Generator(7);
        for (int i = 0; i < 13; i++) training.NextUInt64();
        training.NextNormal();                                  // leaves a spare normal in the state
        var saved = Sample(training);
        var path = folder.File("ckpt.safetensors");
        saved.Save(path);

        var loaded = Checkpoint.Load(path);
        Assert.Equal(saved.Model.Keys, loaded.Model.Keys);
        foreach (var (name, t) in saved.Model) AssertBitEqual(t, loaded.Model[name]);
        Assert.Equal(saved.OptimizerState.Keys, loaded.OptimizerState.Keys);
        foreach (var (name, t) in saved.OptimizerState) AssertBitEqual(t, loaded.OptimizerState[name]);
        Assert.Equal(saved.OptimizerOptions, loaded.OptimizerOptions);
        Assert.Equal(saved.SchedulerState, loaded.SchedulerState);
        Assert.Equal((3L, 120L), (loaded.Epoch, loaded.Step));
        Assert.Equal(saved.GeneratorState, loaded.GeneratorState);
        Assert.Equal(saved.Metadata, loaded.Metadata);

        var resumed = new Generator(0);
        resumed.SetState(loaded.GeneratorState!);
        Assert.Equal(training.NextNormal(), resumed.NextNormal());   // the spare
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(training.NextUInt64(), resumed.NextUInt64());
            Assert.Equal(training.NextNormal(), resumed.NextNormal());
        }
    }

    [Fact]
    public void The_file_is_plain_safetensors_with_prefixed_tensors_and_the_documented_metadata()
    {
        using var folder = new TempFolder();
        var path = folder.File("ckpt.safetensors");
        Sample(new Generator(1)).Save(path);
        var file = SafeTensors.Load(path);
        Assert.Equal(["model.features.0.weight", "model.features.0.bias", "model.bn.running_mean", "model.bn.num_batches_tracked",
                      "optimizer.state.0.exp_avg", "optimizer.state.0.step"], file.Tensors.Keys);
        Assert.Equal("1", file.Metadata["cajal.checkpoint"]);
        Assert.Equal("3", file.Metadata["cajal.epoch"]);
        Assert.Equal("120", file.Metadata["cajal.step"]);
        Assert.StartsWith("{\"type\":\"Adam\"", file.Metadata["cajal.optimizer"]);
        Assert.StartsWith("{\"type\":\"StepLR\"", file.Metadata["cajal.scheduler"]);
        Assert.Matches("^([0-9a-f]{16},){6}[0-9a-f]{16}$", file.Metadata["cajal.generator"]);
        Assert.Equal("mnist-cnn", file.Metadata["run"]);
    }

    [Fact]
    public void A_minimal_checkpoint_round_trips_with_nulls_and_empties()
    {
        using var folder = new TempFolder();
        var path = folder.File("min.safetensors");
        new Checkpoint { Model = new Dictionary<string, Tensor> { ["w"] = Tensor.Ones([2]) }, Epoch = -1 }.Save(path);
        var loaded = Checkpoint.Load(path);
        Assert.Single(loaded.Model);
        Assert.Empty(loaded.OptimizerState);
        Assert.Null(loaded.OptimizerOptions);
        Assert.Null(loaded.SchedulerState);
        Assert.Null(loaded.GeneratorState);
        Assert.Empty(loaded.Metadata);
        Assert.Equal((-1L, 0L), (loaded.Epoch, loaded.Step));
    }

    [Fact]
    public void Save_rejects_reserved_metadata_keys_and_invalid_json()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        var e = Assert.Throws<ArgumentException>(() => new Checkpoint { Metadata = new Dictionary<string, string> { ["cajal.epoch"] = "9" } }.Save(path));
        Assert.Contains("'cajal.epoch'", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Checkpoint { SchedulerState = "{not json" }.Save(path));
        Assert.Contains("SchedulerState", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_checkpoint_names_what_is_missing()
    {
        using var folder = new TempFolder();
        var plain = folder.File("plain.safetensors");
        SafeTensors.Save(plain, new Dictionary<string, Tensor> { ["w"] = Tensor.Ones([2]) });
        var e = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(plain));
        Assert.Contains("not a Cajal checkpoint", e.Message);
        Assert.StartsWith(plain, e.Message);

        var stray = folder.File("stray.safetensors");
        SafeTensors.Save(stray, new Dictionary<string, Tensor> { ["ema.w"] = Tensor.Ones([2]) },
                         new Dictionary<string, string> { ["cajal.checkpoint"] = "1", ["cajal.epoch"] = "0", ["cajal.step"] = "0" });
        Assert.Contains("tensor 'ema.w' starts with neither 'model.' nor 'optimizer.'", Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(stray)).Message);

        var badGenerator = folder.File("gen.safetensors");
        SafeTensors.Save(badGenerator, new Dictionary<string, Tensor>(),
                         new Dictionary<string, string> { ["cajal.checkpoint"] = "1", ["cajal.epoch"] = "x", ["cajal.step"] = "0" });
        Assert.Contains("'cajal.epoch' is 'x', not a whole number", Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(badGenerator)).Message);

        var future = folder.File("future.safetensors");
        SafeTensors.Save(future, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["cajal.checkpoint"] = "2" });
        Assert.Contains("layout version '2' is not supported", Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(future)).Message);
    }

    [Fact]
    public void The_docs_example_resumes_a_model_and_its_generator()
    {
        // docs/saving-and-loading.md, "Checkpoints", as written there.
        using var folder = new TempFolder();
        var path = folder.File("run.ckpt.safetensors");
        var rng = new Generator(seed: 7);
        var model = new Sequential(new Linear(3, 4, generator: rng), new ReLU(), new Linear(4, 2, generator: rng));
        var momentum = model.StateDict().ToDictionary(kv => kv.Key, kv => Tensor.ZerosLike(kv.Value));
        new Checkpoint
        {
            Model = model.StateDict(),
            OptimizerState = momentum,
            OptimizerOptions = """{"type":"SGD","lr":0.1,"momentum":0.9}""",
            SchedulerState = """{"type":"StepLR","last_epoch":3}""",
            Epoch = 3,
            Step = 120,
            GeneratorState = rng.GetState(),
            Metadata = new Dictionary<string, string> { ["run"] = "xor", ["seed"] = "7" },
        }.Save(path);
        var expectedNext = rng.NextUInt64();

        var other = new Generator(seed: 8);
        var restored = new Sequential(new Linear(3, 4, generator: other), new ReLU(), new Linear(4, 2, generator: other));
        var checkpoint = Checkpoint.Load(path);
        restored.LoadStateDict(checkpoint.Model);
        other.SetState(checkpoint.GeneratorState!);
        Assert.Equal(expectedNext, other.NextUInt64());
        Assert.Equal(3L, checkpoint.Epoch);
        var x = Tensor.RandN([2, 3], new Generator(1));
        Assert.Equal(model.Forward(x).ToArray<float>(), restored.Forward(x).ToArray<float>());
    }
}
