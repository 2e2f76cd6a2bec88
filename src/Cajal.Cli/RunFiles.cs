using System.Globalization;
using System.Text;
using System.Text.Json;
using Cajal.Io;
using Cajal.Training;
using Spectre.Console;

namespace Cajal.Cli;

/// <summary>The run folder's metrics files, the final JSON line and the epoch table.</summary>
internal static class RunFiles
{
    /// <summary>The CSV header: one row per epoch follows.</summary>
    public const string CsvHeader = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,samples_per_second";

    /// <summary>Writes metrics.csv and metrics.json (one entry per epoch) atomically.</summary>
    public static void WriteMetrics(string runFolder, RunConfig config, IReadOnlyList<EpochMetrics> history)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var m in history)
            csv.Append(string.Join(',', Number(m.Epoch), R(m.TrainLoss), R(m.TrainAccuracy), R(m.ValLoss), R(m.ValAccuracy),
                R(m.LearningRate), R(m.Seconds), R(m.SamplesPerSecond))).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(runFolder, TrainRunner.MetricsCsv), csv.ToString());

        AtomicFile.Write(Path.Combine(runFolder, TrainRunner.MetricsJson), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("model", ClassifierCatalog.Name(config.Model));
            json.WriteString("dataset", DatasetChoice.Name(config.Dataset));
            json.WriteNumber("seed", config.Seed);
            json.WriteString("optimizer", ClassifierCatalog.Name(config.Optimizer));
            json.WriteString("schedule", ClassifierCatalog.Name(config.Schedule));
            json.WriteNumber("lr", config.LearningRate);
            json.WriteNumber("batch_size", config.BatchSize);
            json.WriteNumber("train_samples", config.TrainSamples);
            json.WriteStartArray("epochs");
            foreach (var m in history)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", m.Epoch);
                json.WriteNumber("train_loss", m.TrainLoss);
                json.WriteNumber("train_accuracy", m.TrainAccuracy);
                WriteNullable(json, "test_loss", m.ValLoss);
                WriteNullable(json, "test_accuracy", m.ValAccuracy);
                json.WriteNumber("lr", m.LearningRate);
                json.WriteNumber("seconds", m.Seconds);
                json.WriteNumber("samples_per_second", m.SamplesPerSecond);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>The one-line JSON summary printed last by <c>--json</c>.</summary>
    public static string SummaryJson(RunConfig config, DatasetChoice data, Evaluation evaluation, int epochs, double seconds, string runFolder)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("test_accuracy", evaluation.Accuracy);
            json.WriteNumber("test_loss", evaluation.Loss);
            json.WriteNumber("epochs", epochs);
            json.WriteNumber("seconds", Math.Round(seconds, 3));
            json.WriteNumber("seed", config.Seed);
            json.WriteString("run", runFolder);
            json.WriteString("model", ClassifierCatalog.Name(config.Model));
            json.WriteString("dataset", DatasetChoice.Name(config.Dataset));
            json.WriteNumber("train_samples", data.Train.Count);
            json.WriteNumber("test_samples", data.Test.Count);
            json.WriteString("optimizer", ClassifierCatalog.Name(config.Optimizer));
            json.WriteString("schedule", ClassifierCatalog.Name(config.Schedule));
            json.WriteNumber("lr", config.LearningRate);
            json.WriteNumber("batch_size", config.BatchSize);
            json.WriteString("model_file", Path.Combine(runFolder, TrainRunner.ModelFileName));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The epoch table, the test result and the files written.</summary>
    public static void WriteTable(TextWriter stdout, IReadOnlyList<EpochMetrics> history, Evaluation evaluation, int testCount,
        double seconds, string runFolder, bool plots)
    {
        var console = PlainConsole(stdout);
        var table = new Table().AddColumn("epoch", c => c.RightAligned()).AddColumn("train loss", c => c.RightAligned())
            .AddColumn("train acc", c => c.RightAligned()).AddColumn("test loss", c => c.RightAligned())
            .AddColumn("test acc", c => c.RightAligned()).AddColumn("lr", c => c.RightAligned())
            .AddColumn("seconds", c => c.RightAligned()).AddColumn("samples/s", c => c.RightAligned());
        foreach (var m in history)
        {
            table.AddRow(Number(m.Epoch), m.TrainLoss.ToString("F4", CultureInfo.InvariantCulture), Percent(m.TrainAccuracy),
                m.ValLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "", m.ValAccuracy is double a ? Percent(a) : "",
                m.LearningRate.ToString("G4", CultureInfo.InvariantCulture), m.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                m.SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture));
        }
        console.Write(table);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Test accuracy {Percent(evaluation.Accuracy)} (loss {evaluation.Loss:F4}) on {testCount} images; {seconds:F1} s in all."));
        var files = new List<string> { TrainRunner.ModelFileName, TrainRunner.CheckpointFileName, TrainRunner.MetricsCsv, TrainRunner.MetricsJson };
        if (plots) files.AddRange([TrainRunner.LossPng, TrainRunner.AccuracyPng, TrainRunner.ConfusionPng, TrainRunner.PredictionsPng]);
        console.WriteLine($"Wrote {string.Join(", ", files)} in {runFolder}");
    }

    /// <summary>A Spectre console over <paramref name="writer"/>: colours only on a terminal, and no wrapping off one.</summary>
    public static IAnsiConsole PlainConsole(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = 4096;
        return console;
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    /// <summary>A fraction as a percentage with two decimals and no space: 0.8523 → "85.23%".</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string R(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
