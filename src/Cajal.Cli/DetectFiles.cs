using System.Globalization;
using System.Text;
using System.Text.Json;
using Cajal.Detection;
using Cajal.Io;
using Spectre.Console;

namespace Cajal.Cli;

/// <summary>The files and the report of <c>cajal detect-demo</c>: metrics, the model, the final JSON line and the table.</summary>
internal static class DetectFiles
{
    /// <summary>The CSV header: one row per epoch follows.</summary>
    public const string CsvHeader = "epoch,loss,loss_xy,loss_wh,loss_conf,loss_class,map50,lr,seconds,images_per_second,elapsed";

    /// <summary>Writes the detector's state dict with the settings needed to use it again (anchors, input size, classes) as metadata.</summary>
    public static void SaveModel(string path, YoloDetector model, DetectOptions options) =>
        AtomicFile.Write(path, stream => SafeTensors.Save(stream, model.StateDict(), new Dictionary<string, string>
        {
            ["cajal.detector"] = "YoloDetector",
            ["classes"] = string.Join(',', ShapesDataset.ClassNames),
            ["input_size"] = Invariant(model.InputSize),
            ["width"] = Invariant(model.Width),
            ["anchors"] = string.Join(' ', model.Anchors.Select(a => FormattableString.Invariant($"{a.Width:R},{a.Height:R}"))),
            ["masks"] = string.Join(' ', model.Masks.Select(m => string.Join(',', m))),
            ["variant"] = DetectCommand.Name(options.Variant),
            ["seed"] = Invariant(options.Seed),
        }));

    /// <summary>Writes metrics.csv and metrics.json (settings, anchors and one entry per epoch) atomically.</summary>
    public static void WriteMetrics(string runFolder, DetectOptions options, IReadOnlyList<(double Width, double Height)> anchors,
        IReadOnlyList<DetectEpoch> history, double seconds)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var e in history)
            csv.Append(string.Join(',', Invariant(e.Epoch), R(e.Loss), R(e.XY), R(e.WH), R(e.Conf), R(e.Class), R(e.Map50),
                R(e.LearningRate), R(e.Seconds), R(e.ImagesPerSecond), R(e.Elapsed))).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(runFolder, DetectRunner.MetricsCsv), csv.ToString());

        AtomicFile.Write(Path.Combine(runFolder, DetectRunner.MetricsJson), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            WriteSettings(json, options, anchors);
            json.WriteNumber("seconds", Math.Round(seconds, 3));
            json.WriteStartArray("epochs");
            foreach (var e in history)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                json.WriteNumber("loss", e.Loss);
                json.WriteNumber("loss_xy", e.XY);
                json.WriteNumber("loss_wh", e.WH);
                json.WriteNumber("loss_conf", e.Conf);
                json.WriteNumber("loss_class", e.Class);
                WriteNumberOrNull(json, "map50", e.Map50);
                WriteClassAp(json, e.ClassAp);
                json.WriteNumber("lr", e.LearningRate);
                json.WriteNumber("seconds", e.Seconds);
                json.WriteNumber("images_per_second", e.ImagesPerSecond);
                json.WriteNumber("elapsed", e.Elapsed);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>The one-line JSON summary printed last by <c>--json</c>.</summary>
    public static string SummaryJson(DetectOptions options, IReadOnlyList<(double Width, double Height)> anchors, DetectEpoch final, double seconds, string runFolder)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteNumberOrNull(json, "map50", final.Map50);
            WriteClassAp(json, final.ClassAp);
            json.WriteNumber("epochs", final.Epoch);
            json.WriteNumber("seconds", Math.Round(seconds, 3));
            WriteSettings(json, options, anchors);
            json.WriteNumber("final_loss", final.Loss);
            json.WriteString("run", runFolder);
            json.WriteString("detections_png", Path.Combine(runFolder, DetectRunner.DetectionsPng));
            json.WriteString("model_file", Path.Combine(runFolder, DetectRunner.ModelFileName));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The per-class AP table, the mean and the files written.</summary>
    public static void WriteTable(TextWriter stdout, DetectEpoch final, int testCount, double seconds, string runFolder)
    {
        var console = RunFiles.PlainConsole(stdout);
        var table = new Table().AddColumn("class").AddColumn("AP@0.5", c => c.RightAligned());
        for (int c = 0; c < final.ClassAp.Count; c++) table.AddRow(ShapesDataset.ClassNames[c], Score(final.ClassAp[c]));
        table.AddRow("[bold]mean (mAP@0.5)[/]", $"[bold]{Score(final.Map50)}[/]");
        console.Write(table);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mAP@0.5 {Score(final.Map50)} on {testCount} held-out images after {final.Epoch} epoch{(final.Epoch == 1 ? "" : "s")}; {seconds:F1} s ({seconds / 60:F2} min) in all."));
        console.WriteLine($"Wrote {DetectRunner.DetectionsPng}, {DetectRunner.ModelFileName}, {DetectRunner.MetricsCsv}, {DetectRunner.MetricsJson} in {runFolder}");
    }

    private static void WriteSettings(Utf8JsonWriter json, DetectOptions options, IReadOnlyList<(double Width, double Height)> anchors)
    {
        json.WriteNumber("seed", options.Seed);
        json.WriteString("variant", DetectCommand.Name(options.Variant));
        json.WriteNumber("train_images", options.TrainImages);
        json.WriteNumber("test_images", options.TestImages);
        json.WriteNumber("batch_size", options.BatchSize);
        json.WriteNumber("lr", options.LearningRate);
        json.WriteNumber("threads", Parallelism.MaxThreads);
        json.WriteStartArray("anchors");
        foreach (var (w, h) in anchors)
        {
            json.WriteStartArray();
            json.WriteNumberValue(w);
            json.WriteNumberValue(h);
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }

    private static void WriteClassAp(Utf8JsonWriter json, IReadOnlyList<double> classAp)
    {
        json.WriteStartObject("ap50");
        for (int c = 0; c < classAp.Count; c++) WriteNumberOrNull(json, ShapesDataset.ClassNames[c], classAp[c]);
        json.WriteEndObject();
    }

    // JSON has no NaN: an AP that is undefined (no ground truth of the class among the held-out images) is null.
    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsNaN(value)) json.WriteNull(name);
        else json.WriteNumber(name, value);
    }

    private static string Score(double value) => double.IsNaN(value) ? "n/a" : value.ToString("F4", CultureInfo.InvariantCulture);

    private static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
