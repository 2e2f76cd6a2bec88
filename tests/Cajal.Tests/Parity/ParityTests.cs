using Cajal.Parity;

namespace Cajal.Tests.Parity;

public class ParityTests
{
    /// <summary>The PyTorch golden folder ($CAJAL_GOLDEN_DIR, else shared/golden/pytorch beside the repository).</summary>
    internal static string GoldenDir() =>
        Cajal.Examples.Article.ArticleGolden.FindDirectory(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException($"PyTorch golden folder not found above {AppContext.BaseDirectory}; set CAJAL_GOLDEN_DIR");

    [Theory]
    [InlineData("elementwise.json")]
    [InlineData("reductions.json")]
    [InlineData("matmul.json")]
    [InlineData("activations.json")]
    [InlineData("article_net.json")]
    public void Every_case_of_the_core_golden_files_passes_with_none_skipped(string file)
    {
        var results = ParityRunner.RunFile(Path.Combine(GoldenDir(), file));
        Assert.NotEmpty(results);
        var bad = results.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.Name}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public void Runner_over_the_whole_folder_ends_with_the_summary_line_and_reports_no_failures()
    {
        var output = new StringWriter();
        int code = ParityRunner.Run(GoldenDir(), output);
        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Matches(@"^\d+ passed, 0 failed, \d+ skipped$", lines[^1].TrimEnd());
        Assert.Equal(0, code);
    }
}

public class ParityRunnerDetectsMistakesTests
{
    private static GoldenCase FirstCase(string file, string op)
    {
        var text = File.ReadAllText(Path.Combine(ParityTests.GoldenDir(), file));
        var golden = System.Text.Json.JsonSerializer.Deserialize<GoldenFile>(text, GoldenFile.JsonOptions)!;
        return golden.Cases.First(c => c.Op == op);
    }

    [Fact]
    public void A_wrong_expected_output_fails_and_names_the_worst_element()
    {
        var c = FirstCase("elementwise.json", "mul");
        c.Outputs!["out"].Data[1] += 1e-6;
        var result = ParityRunner.RunCase("elementwise.json", c);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Contains("output 'out': worst element [1]", result.Message);
    }

    [Fact]
    public void A_wrong_expected_gradient_fails()
    {
        var c = FirstCase("matmul.json", "matmul");
        c.Grads!["other"].Data[0] *= 1.0 + 1e-8;
        var result = ParityRunner.RunCase("matmul.json", c);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Contains("grad 'other'", result.Message);
    }

    [Fact]
    public void An_unknown_op_is_skipped_and_listed_by_op()
    {
        var c = FirstCase("elementwise.json", "add");
        c.Op = "frobnicate";
        Assert.Equal(CaseStatus.Skipped, ParityRunner.RunCase("x.json", c).Status);
    }
}

public class ExtraGoldenTests
{
    private static string ExtraDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "tests", "golden-extra", "core_extra.json")))
                return Path.Combine(d.FullName, "tests", "golden-extra");
        throw new DirectoryNotFoundException("tests/golden-extra not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_case_of_our_own_extra_PyTorch_goldens_passes_with_none_skipped()
    {
        var results = ParityRunner.RunDirectory(ExtraDir());
        Assert.True(results.Count >= 100, $"only {results.Count} cases");
        var bad = results.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.File} {r.Name}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }
}
