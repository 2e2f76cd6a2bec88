using System.Text.Json;
using Cajal.Cli;
using Cajal.Detection;
using Cajal.Io;
using SkiaSharp;

namespace Cajal.Tests.Cli;

public class DetectDemoTests
{
    private static string[] Tiny(string outDir, params string[] more) =>
        ["detect-demo", "--epochs", "2", "--train-images", "24", "--test-images", "6", "--batch-size", "8", "--out", outDir, "--json", .. more];

    [Fact]
    public void Json_is_the_last_line_with_the_required_fields_and_the_files_exist()
    {
        using var temp = new TempFolder();
        var run = CliRunner.Run(Tiny(temp["run"], "--seed", "4", "--variant", "darknet"));

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);   // --json keeps everything else off stdout
        using var json = JsonDocument.Parse(lines[^1]);
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("map50").ValueKind == JsonValueKind.Null ? 0 : root.GetProperty("map50").GetDouble(), 0, 1);
        Assert.Equal(2, root.GetProperty("epochs").GetInt32());
        Assert.True(root.GetProperty("seconds").GetDouble() > 0);
        Assert.Equal(4UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal("darknet", root.GetProperty("variant").GetString());
        Assert.Equal(["rectangle", "ellipse", "triangle"], root.GetProperty("ap50").EnumerateObject().Select(p => p.Name));
        Assert.Equal(6, root.GetProperty("anchors").GetArrayLength());
        Assert.Equal(Path.GetFullPath(temp["run"]), root.GetProperty("run").GetString());

        // Progress went to stderr: the header and one line per epoch.
        Assert.Contains("epoch 1/2", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("epoch 2/2", run.Stderr, StringComparison.Ordinal);
        using (var png = SKBitmap.Decode(Path.Combine(temp["run"], "detections.png")))
        {
            Assert.NotNull(png);
            Assert.True(png.Width > 4 * 288 && png.Height > 2 * 288);
        }
        Assert.Equal(3, File.ReadAllLines(Path.Combine(temp["run"], "metrics.csv")).Length);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp["run"], "metrics.json")));
        Assert.Equal(2, metrics.RootElement.GetProperty("epochs").GetArrayLength());
        var model = SafeTensors.Load(Path.Combine(temp["run"], "model.safetensors"));
        Assert.Equal("3,4,5 0,1,2", model.Metadata["masks"]);
        Assert.Contains("backbone.0.0.weight", model.Tensors.Keys);
    }

    [Fact]
    public void Same_seed_gives_the_same_model_whatever_the_thread_count_and_another_seed_differs()
    {
        using var temp = new TempFolder();
        var first = CliRunner.Run(Tiny(temp["a"], "--threads", "2"));
        var second = CliRunner.Run(Tiny(temp["b"], "--threads", "1"));
        var other = CliRunner.Run(Tiny(temp["c"], "--seed", "2"));

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp["a"], "model.safetensors")), File.ReadAllBytes(Path.Combine(temp["b"], "model.safetensors")));
        Assert.Equal(Field(first, "final_loss"), Field(second, "final_loss"));
        Assert.Equal(Field(first, "map50"), Field(second, "map50"));
        Assert.NotEqual(Field(first, "final_loss"), Field(other, "final_loss"));
    }

    [Fact]
    public void Without_json_stdout_has_the_per_class_table()
    {
        using var temp = new TempFolder();
        var run = CliRunner.Run("detect-demo", "--epochs", "1", "--train-images", "8", "--test-images", "4", "--out", temp["run"]);

        Assert.Equal(0, run.ExitCode);
        foreach (var text in new[] { "Training a YOLOv3-style detector", "rectangle", "ellipse", "triangle", "mAP@0.5", "detections.png" })
            Assert.Contains(text, run.Stdout, StringComparison.Ordinal);
        Assert.Contains("epoch 1/1", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_picture_draws_the_best_box_per_object_above_the_threshold()
    {
        DetectedBox D(double cx, int cls, double score) => new(new Box(cx, 0.5, 0.2, 0.2), cls, score);
        var ellipse = D(0.3, 1, 0.95);
        var weakerTriangleOnIt = D(0.31, 2, 0.9);
        var elsewhere = D(0.7, 0, 0.6);
        var belowThreshold = D(0.9, 0, 0.49);

        Assert.Equal([ellipse, elsewhere], DetectionGrid.Shown([elsewhere, weakerTriangleOnIt, belowThreshold, ellipse]));
    }

    [Theory]
    [InlineData("--variant", "yolo")]
    [InlineData("--epochs", "0")]
    [InlineData("--seed", "-1")]
    [InlineData("--train-images", "x")]
    [InlineData("--test-images", "0")]
    [InlineData("--batch-size", "0")]
    [InlineData("--lr", "-0.1")]
    [InlineData("--threads", "0")]
    [InlineData("--bogus", "1")]
    public void Usage_errors_exit_2_with_one_error_line_and_a_hint(string option, string value)
    {
        var run = CliRunner.Run("detect-demo", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("cajal: ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Usage: cajal detect-demo", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_variant_lists_the_accepted_names()
    {
        Assert.Contains("--variant expects keras or darknet, got 'yolo'", CliRunner.Run("detect-demo", "--variant", "yolo").Stderr, StringComparison.Ordinal);
    }

    private static string Field(CliRunner.Outcome run, string name)
    {
        using var json = JsonDocument.Parse(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        return json.RootElement.GetProperty(name).GetRawText();
    }
}
