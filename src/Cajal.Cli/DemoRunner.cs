using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cajal.Examples.Article;
using Spectre.Console;

namespace Cajal.Cli;

/// <summary>Runs <c>cajal demo</c>: trains, then reports as tables or as one JSON object, and plots.</summary>
internal static class DemoRunner
{
    /// <summary>The iterations the article's readers look at; those past the run's end are skipped.</summary>
    private static readonly int[] Checkpoints = [1, 2, 5, 10, 50, 100, 500, 1000, 1500];

    /// <summary>The plot's file name, written into the output folder.</summary>
    public const string PlotFileName = "article-loss.png";

    public static int Run(DemoOptions options, TextWriter stdout)
    {
        var clock = Stopwatch.StartNew();
        var result = DemoResult.Train(options);
        var trainTime = clock.Elapsed;

        string? plotPath = null;
        if (options.Plot)
        {
            plotPath = Path.GetFullPath(Path.Combine(options.OutDirectory, PlotFileName));
            try
            {
                Directory.CreateDirectory(options.OutDirectory);
                LossPlot.Save(result, plotPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"cannot write {plotPath}: {e.Message}", e);
            }
        }

        if (options.Json)
            stdout.WriteLine(ToJson(result));
        else
            WriteTables(result, trainTime, plotPath, stdout);
        return Program.Success;
    }

    /// <summary>The iterations shown in the table: the checkpoints within the run, and the last iteration.</summary>
    public static IReadOnlyList<int> ShownIterations(int iterations)
    {
        var shown = Checkpoints.Where(i => i <= iterations).ToList();
        if (shown.Count == 0 || shown[^1] != iterations)
            shown.Add(iterations);
        return shown;
    }

    /// <summary>One compact JSON object; the same options give the same bytes.</summary>
    public static string ToJson(DemoResult result)
    {
        var options = result.Options;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("seed", options.Seed);
            json.WriteNumber("iterations", options.Iterations);
            WriteArray(json, "losses", result.Losses);
            WriteArray(json, "predictions", result.Predictions);
            WriteArray(json, "targets", result.Targets);
            json.WriteBoolean("monotonic", result.Monotonic);
            json.WriteNumber("hidden", options.Hidden);
            json.WritePropertyName("lr");
            WriteDouble(json, options.LearningRate);
            json.WriteString("activation", ActivationName(options.Activation));
            json.WriteString("mode", result.Mode);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteArray(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
            WriteDouble(json, value);
        json.WriteEndArray();
    }

    // "R" gives the shortest text that reads back to the same double. JSON has no NaN or Infinity, so those
    // (a diverging run) are written as the strings "NaN", "Infinity", "-Infinity", as the golden files do.
    private static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
            json.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture));
        else
            json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The activation's name as the command line spells it: sigmoid, tanh, relu.</summary>
    public static string ActivationName(Activation activation) => activation.ToString().ToLowerInvariant();

    private static void WriteTables(DemoResult result, TimeSpan trainTime, string? plotPath, TextWriter stdout)
    {
        var options = result.Options;
        var console = RunFiles.PlainConsole(stdout);
        console.MarkupLine($"[bold]The article's network, seed {options.Seed}[/] ({result.Mode} backprop)");
        console.MarkupLine(
            $"3 → {options.Hidden} ({ActivationName(options.Activation)}) → 1 (sigmoid), " +
            $"lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, " +
            $"{options.Iterations} iterations in {trainTime.TotalMilliseconds:F0} ms");

        var losses = new Table().AddColumn("iteration", c => c.RightAligned()).AddColumn("loss Σ(y − ŷ)²", c => c.RightAligned());
        foreach (int iteration in ShownIterations(options.Iterations))
            losses.AddRow(iteration.ToString(CultureInfo.InvariantCulture), result.Losses[iteration - 1].ToString("G10", CultureInfo.InvariantCulture));
        console.Write(losses);

        console.MarkupLine(result.Monotonic
            ? "The loss decreased monotonically: [green]yes[/], every iteration lowered it."
            : $"The loss decreased monotonically: [yellow]no[/], iteration {result.FirstNonDecrease} did not lower it.");

        var predictions = new Table().AddColumn("input x").AddColumn("target y", c => c.RightAligned()).AddColumn("prediction ŷ", c => c.RightAligned());
        var inputs = ArticleData.X;
        for (int i = 0; i < result.Predictions.Length; i++)
        {
            predictions.AddRow(
                $"[[{inputs[i, 0]}, {inputs[i, 1]}, {inputs[i, 2]}]]",
                result.Targets[i].ToString(CultureInfo.InvariantCulture),
                result.Predictions[i].ToString("F6", CultureInfo.InvariantCulture));
        }
        console.Write(predictions);

        if (plotPath is not null)
            console.MarkupLineInterpolated($"Loss curve written to {plotPath}");
    }
}
