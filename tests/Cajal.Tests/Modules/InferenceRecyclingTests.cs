using Cajal.Models;
using Cajal.Nn;

namespace Cajal.Tests.Modules;

/// <summary>
/// Sequential's inference recycling (StoragePool): intermediate outputs of built-in modules go back to the pool once
/// the next built-in module has consumed them, and nothing that anyone can still see is ever given back: not the input,
/// not the result, not what a module of another type received or returned.
/// </summary>
public class InferenceRecyclingTests
{
    /// <summary>The model's outputs for several batches with recording on (no recycling), then off, bit for bit.</summary>
    private static void SameOutputs(Sequential model, int[] batchShape, int batches)
    {
        var inputs = Enumerable.Range(0, batches).Select(i => Tensor.RandN(batchShape, new Generator((ulong)(10 + i)))).ToList();
        var expected = inputs.Select(x => model.Forward(x).ToArray<float>()).ToList();
        StoragePool.Clear();
        using (Autograd.NoGrad())
        {
            var outputs = inputs.Select(model.Forward).ToList();   // the earlier outputs stay alive while later batches run
            for (int i = 0; i < batches; i++) Assert.Equal(expected[i], outputs[i].ToArray<float>());
        }
        if (StoragePool.Enabled) Assert.True(StoragePool.HeldBytes > 0, "inference gave nothing back");
        for (int i = 0; i < batches; i++) Assert.Equal(expected[i], model.Forward(inputs[i]).ToArray<float>());   // inputs intact
        StoragePool.Clear();
    }

    [Fact]
    public void Mlp_inference_gives_the_same_outputs_batch_after_batch()
    {
        var model = Classifiers.Mlp(generator: new Generator(1));
        model.Eval();
        SameOutputs(model, [100, 1, 28, 28], 4);
    }

    [Fact]
    public void LeNet_inference_gives_the_same_outputs_batch_after_batch()
    {
        var model = Classifiers.LeNet5(generator: new Generator(2));
        model.Eval();
        SameOutputs(model, [20, 1, 28, 28], 3);
    }

    /// <summary>
    /// Flatten returns a view of the Linear's output: that storage is still being read by the next Linear, whose output
    /// has the same length and would take it from the pool if it were given back too early.
    /// </summary>
    [Fact]
    public void A_view_keeps_its_storage_alive()
    {
        var g = new Generator(3);
        var model = new Sequential(new Linear(8, 128, generator: g), new Flatten(), new Linear(128, 128, generator: g), new ReLU(),
            new Linear(128, 128, generator: g));
        SameOutputs(model, [128, 8], 3);
    }

    /// <summary>Flatten's output is a view of the caller's input, whose length the Linear's output shares: the input
    /// must never reach the pool, or the next batch's Linear would write into it.</summary>
    [Fact]
    public void A_view_of_the_input_is_never_given_back()
    {
        var g = new Generator(6);
        var model = new Sequential(new Flatten(), new Linear(128, 128, generator: g), new ReLU(), new Linear(128, 128, generator: g));
        SameOutputs(model, [128, 128], 3);
    }

    /// <summary>A module of the user's own that keeps what it was given.</summary>
    private sealed class Stash : Module
    {
        public List<Tensor> Seen { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            Seen.Add(input);
            return input;
        }
    }

    private sealed class StashCopy : Module
    {
        public List<Tensor> Seen { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            var output = input * 2.0;
            Seen.Add(output);
            return output;
        }
    }

    [Fact]
    public void What_a_user_module_received_or_returned_is_never_given_back()
    {
        var g = new Generator(4);
        var stash = new Stash();
        var copy = new StashCopy();
        var model = new Sequential(new Linear(16, 256, generator: g), stash, new ReLU(), new Linear(256, 256, generator: g), copy,
            new Linear(256, 256, generator: g), new ReLU());
        var inputs = Enumerable.Range(0, 3).Select(i => Tensor.RandN([64, 16], new Generator((ulong)(20 + i)))).ToList();
        StoragePool.Clear();
        using (Autograd.NoGrad())
        {
            var first = new List<float[]>();
            foreach (var x in inputs)
            {
                model.Forward(x);
                first.Add(stash.Seen[^1].ToArray<float>());
                first.Add(copy.Seen[^1].ToArray<float>());
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                Assert.Equal(first[2 * i], stash.Seen[i].ToArray<float>());
                Assert.Equal(first[2 * i + 1], copy.Seen[i].ToArray<float>());
            }
        }
        StoragePool.Clear();
    }

    [Fact]
    public void Nothing_is_given_back_while_gradients_are_recorded()
    {
        var model = Classifiers.Mlp(generator: new Generator(5));
        StoragePool.Clear();
        for (int i = 0; i < 3; i++) model.Forward(Tensor.RandN([64, 1, 28, 28], new Generator((ulong)i))).Sum().Backward();
        Assert.Equal(0, StoragePool.HeldBytes);
    }

    [Fact]
    public void The_tensor_free_modules_are_sealed_types_of_Cajal()
    {
        foreach (var type in Sequential.TensorFreeModules)
        {
            Assert.True(type.IsSealed, $"{type.Name} is not sealed: a subclass could keep tensors");
            Assert.Equal(typeof(Module).Assembly, type.Assembly);
            Assert.True(typeof(Module).IsAssignableFrom(type));
        }
    }

    [Fact]
    public void The_pool_hands_out_exact_lengths_and_holds_at_most_its_limit()
    {
        if (!StoragePool.Enabled) return;
        StoragePool.Clear();
        var a = new float[StoragePool.MinLength];
        StoragePool.Return(a);
        StoragePool.Return(new float[StoragePool.MinLength - 1]);   // too small: ignored
        Assert.Equal(4L * StoragePool.MinLength, StoragePool.HeldBytes);
        Assert.Null(StoragePool.TryTake<float>(StoragePool.MinLength + 1));
        Assert.Null(StoragePool.TryTake<double>(StoragePool.MinLength));
        Assert.Same(a, StoragePool.TryTake<float>(StoragePool.MinLength));
        Assert.Null(StoragePool.TryTake<float>(StoragePool.MinLength));
        int big = (int)(StoragePool.MaxBytes / 4 / 3);
        for (int i = 0; i < 4; i++) StoragePool.Return(new float[big]);
        Assert.Equal(3L * 4 * big, StoragePool.HeldBytes);   // the fourth did not fit
        StoragePool.Clear();
        Assert.Equal(0, StoragePool.HeldBytes);
    }
}
