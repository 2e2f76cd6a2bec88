using System.Text.Json.Nodes;
using Cajal.Parity;

namespace Cajal.Tests.Detection;

public class YoloParityTests
{
    /// <summary>shared/golden/yolov3, beside the PyTorch golden folder.</summary>
    private static string SharedDir() => Path.GetFullPath(Path.Combine(Cajal.Tests.Parity.ParityTests.GoldenDir(), "..", "yolov3"));

    /// <summary>Our held-out set, tests/golden-extra/yolov3 (generator: gen_yolov3_extra.py).</summary>
    private static string ExtraDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var path = Path.Combine(d.FullName, "tests", "golden-extra", "yolov3");
            if (File.Exists(Path.Combine(path, "gen_yolov3_extra.py"))) return path;
        }
        throw new DirectoryNotFoundException("tests/golden-extra/yolov3 not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_shared_yolov3_case_passes_in_float64_and_float32()
    {
        var output = new StringWriter();
        int code = ParityRunner.Run(SharedDir(), output);
        Assert.True(code == 0, output.ToString());
        Assert.Equal("6 passed, 0 failed, 0 skipped", output.ToString().TrimEnd().Split('\n')[^1].TrimEnd());
    }

    [Fact]
    public void Every_held_out_yolov3_case_passes()
    {
        var results = ParityRunner.RunDirectory(ExtraDir());
        Assert.True(results.Count >= 6, $"only {results.Count} cases");
        var bad = results.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.File}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
        Assert.All(results, r => Assert.Equal(GoldenYolo.Op, r.Op));
    }

    [Theory]
    [InlineData("expected.total", 1e-7, "float64 loss total")]
    [InlineData("scales.0.expected_parts.conf", 1e-7, "float64 scale 0 conf")]
    [InlineData("scales.1.expected_grad.40", 1e-8, "float64 grad of scale 1")]
    [InlineData("expected_positives.0.target.2", 1e-6, "positive differs")]
    [InlineData("expected_ignored.0.cell_x", 1.0, "ignored positions differ")]
    public void A_wrong_expected_value_fails_and_says_what_differs(string path, double delta, string message)
    {
        var source = Path.Combine(SharedDir(), "three_scale_64_keras.json");
        var root = JsonNode.Parse(File.ReadAllText(source))!;
        JsonNode node = root;
        var keys = path.Split('.');
        foreach (var key in keys[..^1]) node = int.TryParse(key, out int i) ? node[i]! : node[key]!;
        var last = keys[^1];
        if (int.TryParse(last, out int k)) node[k] = node[k]!.GetValue<double>() + delta;
        else node[last] = node[last]!.GetValue<double>() + delta;
        var dir = Directory.CreateTempSubdirectory("cajal-yolo-");
        try
        {
            var file = Path.Combine(dir.FullName, "mutated.json");
            File.WriteAllText(file, root.ToJsonString());
            var result = Assert.Single(ParityRunner.RunFile(file));
            Assert.Equal(CaseStatus.Failed, result.Status);
            Assert.Contains(message, result.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
