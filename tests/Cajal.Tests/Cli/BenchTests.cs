using System.Text.Json;
using SkiaSharp;

namespace Cajal.Tests.Cli;

public class BenchTests
{
    private static readonly string[] Fields = ["anchor", "workload", "threads", "metrics", "seconds"];
    private static readonly string[] SecondsFields = ["median", "min", "max", "n", "noise_pct", "samples"];

    [Fact]
    public void Quick_json_run_prints_anchor_format_lines_and_the_articles_final_loss()
    {
        var run = CliRunner.Run("bench", "--workloads", "article,gemm", "--quick", "--json");

        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var docs = lines.Select(l => JsonDocument.Parse(l)).ToList();   // every stdout line is one JSON object
        try
        {
            foreach (var d in docs)
            {
                var keys = d.RootElement.EnumerateObject().Select(p => p.Name).ToList();
                Assert.All(Fields, f => Assert.Contains(f, keys));
                Assert.Equal("cajal", d.RootElement.GetProperty("anchor").GetString());
            }
            var byWorkload = docs.Select(d => d.RootElement).ToLookup(r => r.GetProperty("workload").GetString());
            Assert.Single(byWorkload["env"]);

            var article = Assert.Single(byWorkload["article"]);
            Assert.Equal(2, article.GetProperty("threads").GetInt32());
            var seconds = article.GetProperty("seconds");
            Assert.Equal(SecondsFields, seconds.EnumerateObject().Select(p => p.Name));
            Assert.Equal(2, seconds.GetProperty("n").GetInt32());   // --quick: run.sh's QUICK=1 --reps-small 2
            Assert.Equal(2, seconds.GetProperty("samples").GetArrayLength());
            Assert.True(seconds.GetProperty("min").GetDouble() <= seconds.GetProperty("median").GetDouble());
            var metrics = article.GetProperty("metrics");
            Assert.Equal(1500, metrics.GetProperty("iters").GetInt32());
            Assert.Equal(0.0019673, metrics.GetProperty("final_loss").GetDouble(), 1e-6);   // the anchors' float32 result
            var pred = metrics.GetProperty("pred").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(4, pred.Length);
            Assert.True(pred[0] < 0.05 && pred[1] > 0.95 && pred[2] > 0.95 && pred[3] < 0.05, string.Join(", ", pred));
            Assert.True(metrics.GetProperty("us_per_iter_median").GetDouble() > 0);
            Assert.True(metrics.TryGetProperty("alloc_bytes_per_iter", out _));

            // gemm: n = 256 and 512 on 1 and 2 threads, 3 samples each, GFLOP/s = 2n³/t of the best sample.
            var gemm = byWorkload["gemm"].ToList();
            Assert.Equal([(1, 256), (1, 512), (2, 256), (2, 512)],
                gemm.Select(g => (g.GetProperty("threads").GetInt32(), g.GetProperty("n").GetInt32())));
            foreach (var g in gemm)
            {
                int n = g.GetProperty("metrics").GetProperty("n").GetInt32();
                double best = g.GetProperty("seconds").GetProperty("min").GetDouble();
                Assert.Equal(3, g.GetProperty("seconds").GetProperty("n").GetInt32());
                Assert.Equal(2.0 * n * n * n / best / 1e9, g.GetProperty("metrics").GetProperty("gflops_best").GetDouble(), 1e-6);
            }
        }
        finally
        {
            docs.ForEach(d => d.Dispose());
        }

        // The recorded lines draw a chart, text included.
        var dir = Directory.CreateTempSubdirectory("cajal-bench-");
        try
        {
            var jsonl = Path.Combine(dir.FullName, "cajal.jsonl");
            File.WriteAllText(jsonl, run.Stdout);
            var png = Path.Combine(dir.FullName, "chart.png");
            var chart = CliRunner.Run("bench", "--from", jsonl, "--chart", png);
            Assert.Equal(0, chart.ExitCode);
            Assert.Contains("article", chart.Stdout);   // the table of the records read back
            using var bitmap = SKBitmap.Decode(png);
            Assert.Equal(Cajal.Cli.Bench.BenchChart.Width, bitmap.Width);
            int dark = 0;
            for (int y = 0; y < 40; y++)
                for (int x = 0; x < bitmap.Width; x++)
                    if (bitmap.GetPixel(x, y) is { Red: < 96, Green: < 96, Blue: < 96 }) dark++;
            Assert.True(dark > 200, $"only {dark} dark pixels in the title band");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--workloads", "article,resnet", "unknown workload 'resnet'")]
    [InlineData("--threads", "0", "--threads expects")]
    [InlineData("--threads", "two", "--threads expects")]
    public void Bad_options_are_usage_errors(string option, string value, string message)
    {
        var run = CliRunner.Run("bench", option, value, "--json");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Missing_from_file_is_a_runtime_error()
    {
        var run = CliRunner.Run("bench", "--from", "/nonexistent/cajal-bench.jsonl");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("does not exist", run.Stderr);
    }

    [Fact]
    public void The_cli_runs_with_its_measured_runtime_settings()
    {
        // docs/performance.md (stop 10): without these the CLI's short jobs run tier-0 code, and each fresh batch-sized
        // array page-faults in from the large-object heap.
        string path = Path.Combine(AppContext.BaseDirectory, "Cajal.Cli.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation.QuickJit").GetBoolean());
        Assert.Equal(4 << 20, properties.GetProperty("System.GC.LOHThreshold").GetInt32());
        // stop 11: generation 0 reuses 16 MB of pages that stay mapped instead of touching 80 MB of fresh ones.
        Assert.Equal(16 << 20, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt32());
        Assert.True(properties.GetProperty("System.GC.RetainVM").GetBoolean());
    }
}
