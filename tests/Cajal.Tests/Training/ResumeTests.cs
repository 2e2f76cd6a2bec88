using Cajal.Data;
using Cajal.Nn;
using Cajal.Optim;
using Cajal.Training;

namespace Cajal.Tests.Training;

public sealed class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cajal-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ByteImageDataset Toy()
    {
        var g = new Generator(5);
        int n = 96;
        var images = new byte[n * 16];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 3);
            for (int k = 0; k < 16; k++) images[i * 16 + k] = (byte)(g.NextInt64(0, 100) + (k % 3 == labels[i] ? 120 : 0));
        }
        return new ByteImageDataset("toy", images, labels, 1, 4, 4, ["a", "b", "c"]);
    }

    private sealed record Run(Trainer Trainer, DataLoader<ImageSample, ImageBatch> Loader, Dictionary<string, Generator> Generators);

    private static Run NewRun()
    {
        var dataGen = new Generator(11);
        var dropoutGen = new Generator(12);
        var model = new Sequential(new Flatten(), new Linear(16, 8, generator: new Generator(13)), new ReLU(),
            new Dropout(0.3, dropoutGen), new Linear(8, 3, generator: new Generator(14)));
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
        var loader = DataLoader.ForImages(new TransformedDataset(Toy(), new RandomHorizontalFlip(0.5), dataGen), 16, shuffle: true, generator: dataGen);
        var trainer = new Trainer(model, optimizer, new CrossEntropyLoss(), scheduler);
        return new Run(trainer, loader, new() { ["data"] = dataGen, ["dropout"] = dropoutGen });
    }

    [Fact]
    public void Resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_bit_for_bit()
    {
        var straight = NewRun();
        straight.Trainer.Fit(straight.Loader, epochs: 3);

        var first = NewRun();
        var path = Path.Combine(_dir, "last.safetensors");
        first.Trainer.Fit(first.Loader, epochs: 1, callbacks: [new CheckpointCallback(path, null, first.Generators)]);

        var resumed = NewRun();   // fresh objects, as a new process would have
        CheckpointCallback.Restore(resumed.Trainer, path, resumed.Generators);
        Assert.Equal(1, resumed.Trainer.CompletedEpochs);
        resumed.Trainer.Fit(resumed.Loader, epochs: 3);

        foreach (var (name, value) in straight.Trainer.Model.StateDict())
            Assert.Equal(value.ToArray<float>(), resumed.Trainer.Model.StateDict()[name].ToArray<float>());
        Assert.Equal(straight.Trainer.History.Select(h => h.TrainLoss), resumed.Trainer.History.Select(h => h.TrainLoss));
        Assert.Equal(3, resumed.Trainer.History.Count);
    }

    [Fact]
    public void Training_reduces_the_loss_and_evaluation_counts_every_sample()
    {
        var run = NewRun();
        var history = run.Trainer.Fit(run.Loader, epochs: 4, validation: DataLoader.ForImages(Toy(), 32));
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
        var eval = run.Trainer.Evaluate(DataLoader.ForImages(Toy(), 40));
        Assert.Equal(96, eval.Confusion.Total);
        Assert.True(eval.Accuracy > 0.6, $"accuracy {eval.Accuracy}");
        Assert.Equal(history[^1].ValAccuracy!.Value, eval.Accuracy, 12);
    }

    private sealed class PoisonedDataset(int poisonedIndex) : IImageDataset
    {
        public int Count => 12;
        public int Channels => 1;
        public int Height => 4;
        public int Width => 4;
        public IReadOnlyList<string> ClassNames => ["a", "b", "c"];

        public ImageSample Get(int index) =>
            new(Enumerable.Repeat(index == poisonedIndex ? float.NaN : 0.5f, 16).ToArray(), index % 3);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_naming_the_epoch_and_step()
    {
        var model = new Sequential(new Flatten(), new Linear(16, 3, generator: new Generator(1)));
        var trainer = new Trainer(model, new Sgd(model.Parameters(), lr: 0.1), new CrossEntropyLoss());
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(DataLoader.ForImages(new PoisonedDataset(9), 4), epochs: 2));
        Assert.Contains("epoch 1, step 3", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Early_stopping_stops_after_the_patience_runs_out()
    {
        var run = NewRun();
        var stop = new EarlyStopping(patience: 1, monitorAccuracy: false, minDelta: 1e9);   // nothing counts as better
        run.Trainer.Fit(run.Loader, epochs: 10, callbacks: [stop]);
        Assert.Equal(2, run.Trainer.CompletedEpochs);
        Assert.Equal(2, stop.StoppedEpoch);
    }
}
