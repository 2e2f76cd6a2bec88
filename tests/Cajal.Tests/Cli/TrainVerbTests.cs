using System.Globalization;
using System.Text.Json;
using Cajal.Cli;
using Cajal.Io;
using Cajal.Training;
using SkiaSharp;
using static Cajal.Tests.Cli.TrainTestSupport;

namespace Cajal.Tests.Cli;

public sealed class TrainVerbTests
{
    [Fact]
    public void Train_writes_every_artifact_and_ends_stdout_with_one_json_object()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run(Quick(dir.Path, epochs: 2, more: "--json"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);                                   // the header went to stderr: stdout is the JSON alone
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        foreach (var key in new[] { "test_accuracy", "test_loss", "epochs", "seconds", "seed", "run", "model", "dataset", "train_samples" })
            Assert.True(root.TryGetProperty(key, out _), $"missing {key}");
        Assert.Equal(2, root.GetProperty("epochs").GetInt32());
        Assert.Equal(1UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(128, root.GetProperty("train_samples").GetInt32());
        Assert.Equal("mlp", root.GetProperty("model").GetString());
        Assert.Equal("embedded", root.GetProperty("dataset").GetString());
        Assert.Equal(Path.GetFullPath(dir.Path), root.GetProperty("run").GetString());
        double accuracy = root.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.0, 1.0);

        Assert.Contains("Training mlp on embedded Fashion-MNIST subset", run.Stderr);
        Assert.Contains("Seed 1", run.Stderr);
        Assert.Contains("epoch 2/2", run.Stderr);                // one plain line per epoch off a terminal

        // metrics.csv: header and one parsable row per epoch; the last test accuracy is the JSON's.
        var csv = File.ReadAllLines(dir["metrics.csv"]);
        Assert.Equal(RunFiles.CsvHeader, csv[0]);
        Assert.Equal(3, csv.Length);
        var last = csv[2].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, last[0]);
        Assert.Equal(accuracy, last[4]);
        Assert.Equal(0.05, last[5]);

        using var metrics = JsonDocument.Parse(File.ReadAllText(dir["metrics.json"]));
        var epochs = metrics.RootElement.GetProperty("epochs");
        Assert.Equal(2, epochs.GetArrayLength());
        Assert.Equal(accuracy, epochs[1].GetProperty("test_accuracy").GetDouble());
        Assert.True(epochs[0].GetProperty("seconds").GetDouble() > 0);

        var model = Metadata(dir["model.safetensors"]);
        Assert.Equal("mlp", model["model"]);
        Assert.Equal("embedded", model["dataset"]);
        Assert.Equal("1", model["seed"]);
        Assert.Contains("Ankle boot", model["classes"]);
        Assert.Equal(2, Checkpoint.Load(dir["checkpoint.safetensors"]).Epoch);

        foreach (var png in new[] { "loss.png", "accuracy.png", "confusion.png", "predictions.png" })
        {
            using var bitmap = SKBitmap.Decode(dir[png]);
            Assert.NotNull(bitmap);
            Assert.True(DarkPixels(bitmap, 0, 40) > 200, $"{png}: no title text in the top rows");   // fonts were found
        }
        using (var grid = SKBitmap.Decode(dir["predictions.png"]))
        {
            // Mistakes are framed in red, right answers written in green; after 2 short epochs there are both.
            Assert.True(PixelsLike(grid, new SKColor(0xD0, 0x10, 0x10)) > 100);
            Assert.True(PixelsLike(grid, new SKColor(0x10, 0x80, 0x20)) > 20);
        }
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));      // no probe or temporary files left
    }

    [Fact]
    public void Without_json_the_header_and_epoch_table_go_to_stdout()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run(Quick(dir.Path, more: "--no-plots"));

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Training mlp on embedded Fashion-MNIST subset (128 training, 500 test images): --dataset embedded.", run.Stdout);
        Assert.Contains("SGD lr 0.05 momentum 0.9, batch 64, 1 epoch", run.Stdout);
        Assert.Contains("│ epoch │ train loss │", run.Stdout);
        Assert.Contains("Test accuracy ", run.Stdout);
        Assert.False(File.Exists(dir["loss.png"]));
        Assert.True(File.Exists(dir["model.safetensors"]));
    }

    [Fact]
    public void Resuming_reproduces_the_uninterrupted_run_bit_for_bit()
    {
        using var straight = new TempFolder();
        using var split = new TempFolder();
        Assert.Equal(0, CliRunner.Run(Quick(straight.Path, epochs: 2, more: "--no-plots")).ExitCode);
        Assert.Equal(0, CliRunner.Run(Quick(split.Path, epochs: 1, more: "--no-plots")).ExitCode);
        var resumed = CliRunner.Run(Quick(split.Path, epochs: 2, more: ["--no-plots", "--resume"]));

        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("Resuming after epoch 1 of 2", resumed.Stdout);
        Assert.Equal(File.ReadAllBytes(straight["model.safetensors"]), File.ReadAllBytes(split["model.safetensors"]));
        // The metrics agree too, apart from the timings.
        static string[] Figures(string path) => File.ReadAllLines(path).Select(l => string.Join(',', l.Split(',').Take(6))).ToArray();
        Assert.Equal(Figures(straight["metrics.csv"]), Figures(split["metrics.csv"]));
    }

    [Fact]
    public void Resuming_with_other_options_or_without_a_checkpoint_is_refused()
    {
        using var dir = new TempFolder();
        var none = CliRunner.Run(Quick(dir.Path, more: "--resume"));
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no checkpoint", none.Stderr);

        Assert.Equal(0, CliRunner.Run(Quick(dir.Path, more: "--no-plots")).ExitCode);
        var other = CliRunner.Run(Quick(dir.Path, epochs: 2, more: ["--resume", "--lr", "0.1", "--seed", "7"]));
        Assert.Equal(1, other.ExitCode);
        Assert.StartsWith("cajal: error: --resume needs the options the run was started with", other.Stderr);
        Assert.Contains("--lr: checkpoint 0.05, now 0.1", other.Stderr);
        Assert.Contains("--seed: checkpoint 1, now 7", other.Stderr);
        Assert.Single(other.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_cosine_schedule_anneals_the_rate_each_epoch_and_fixes_the_epoch_count_for_resuming()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run(Quick(dir.Path, epochs: 3, more: ["--no-plots", "--schedule", "cosine", "--json"]));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("SGD lr 0.05 momentum 0.9 annealed to 0 by a cosine schedule", run.Stderr);
        using (var json = JsonDocument.Parse(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]))
            Assert.Equal("cosine", json.RootElement.GetProperty("schedule").GetString());
        // The rate of epoch e (1-based) is 0.05·(1 + cos(π(e−1)/3))/2: 0.05, 0.0375, 0.0125.
        var rates = File.ReadAllLines(dir["metrics.csv"]).Skip(1).Select(l => double.Parse(l.Split(',')[5], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, rates.Length);
        for (int e = 0; e < 3; e++)
            Assert.Equal(0.05 * (1 + Math.Cos(Math.PI * e / 3)) / 2, rates[e], 12);

        // Its curve depends on the epoch count, so a resume may not change it (a constant rate may: see the test above).
        var longer = CliRunner.Run(Quick(dir.Path, epochs: 4, more: ["--no-plots", "--schedule", "cosine", "--resume"]));
        Assert.Equal(1, longer.ExitCode);
        Assert.Contains("cosine schedule epochs: checkpoint 3, now 4", longer.Stderr);
        var constant = CliRunner.Run(Quick(dir.Path, epochs: 3, more: ["--no-plots", "--resume"]));
        Assert.Equal(1, constant.ExitCode);
        Assert.Contains("--schedule: checkpoint cosine, now constant", constant.Stderr);
    }

    /// <summary>Cancels the run's token at the first step of the given epoch, as Ctrl-C would.</summary>
    private sealed class CancelAt(int epoch, CancellationTokenSource source) : ITrainerCallback
    {
        public void OnStepEnd(Trainer trainer, StepInfo step)
        {
            if (step.Epoch == epoch) source.Cancel();
        }
    }

    [Fact]
    public void Interrupting_keeps_the_last_epochs_checkpoint_says_how_to_resume_and_exits_130()
    {
        using var straight = new TempFolder();
        using var dir = new TempFolder();
        Assert.Equal(0, CliRunner.Run(Quick(straight.Path, epochs: 3, more: "--no-plots")).ExitCode);

        using var source = new CancellationTokenSource();
        var interrupted = Run(new CliHooks([new CancelAt(2, source)], source.Token), Quick(dir.Path, epochs: 3, more: "--no-plots"));

        Assert.Equal(130, interrupted.ExitCode);
        Assert.Contains("interrupted during epoch 2", interrupted.Stderr);
        Assert.Contains("holds epoch 1 of 3", interrupted.Stderr);
        Assert.Contains("--resume", interrupted.Stderr);
        Assert.Equal(1, Checkpoint.Load(dir["checkpoint.safetensors"]).Epoch);
        Assert.False(File.Exists(dir["model.safetensors"]));

        // The printed command finishes the run, identical to the uninterrupted one.
        var resumed = CliRunner.Run(Quick(dir.Path, epochs: 3, more: ["--no-plots", "--resume"]));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(File.ReadAllBytes(straight["model.safetensors"]), File.ReadAllBytes(dir["model.safetensors"]));
    }

    [Fact]
    public void An_interrupt_in_the_first_epoch_says_there_is_nothing_to_resume()
    {
        using var dir = new TempFolder();
        using var source = new CancellationTokenSource();
        source.Cancel();
        var run = Run(new CliHooks([], source.Token), Quick(dir.Path, more: "--no-plots"));
        Assert.Equal(130, run.ExitCode);
        Assert.Contains("no epoch was completed", run.Stderr);
    }

    [Fact]
    public void An_unwritable_run_folder_is_an_error_before_training()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["file"], "");
        var run = CliRunner.Run(Quick(Path.Combine(dir["file"], "run")));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("cajal: error: cannot write to the run folder", run.Stderr);
        Assert.Contains("--out", run.Stderr);
        Assert.DoesNotContain("epoch", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void A_diverging_loss_is_a_one_line_error_naming_epoch_and_step()
    {
        using var dir = new TempFolder();
        var run = CliRunner.Run(Quick(dir.Path, limit: 640, more: ["--lr", "1e30", "--no-plots"]));

        Assert.Equal(1, run.ExitCode);
        var error = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("cajal: error: The loss became", error);
        Assert.Contains("epoch 1, step", error);
    }

    [Fact]
    public void Seeds_derive_separate_streams_and_change_the_run()
    {
        Assert.NotEqual(TrainRunner.SeedStream(1, 1), TrainRunner.SeedStream(1, 2));
        Assert.NotEqual(TrainRunner.SeedStream(1, 1), TrainRunner.SeedStream(2, 1));
        using var a = new TempFolder();
        using var b = new TempFolder();
        Assert.Equal(0, CliRunner.Run(Quick(a.Path, more: "--no-plots")).ExitCode);
        Assert.Equal(0, CliRunner.Run(Quick(b.Path, more: ["--no-plots", "--seed", "2"])).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(a["model.safetensors"]), File.ReadAllBytes(b["model.safetensors"]));
        Assert.Equal("2", Metadata(b["model.safetensors"])["seed"]);
    }
}
