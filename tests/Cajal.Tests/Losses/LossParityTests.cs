using Cajal.Parity;

namespace Cajal.Tests.Losses;

/// <summary>The losses and the entropy op against PyTorch: the shared goldens and our own extra set.</summary>
public class LossParityTests
{
    private static string ExtraDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "tests", "golden-extra", "losses_extra.json")))
                return Path.Combine(d.FullName, "tests", "golden-extra");
        throw new DirectoryNotFoundException("tests/golden-extra/losses_extra.json not found above the test binaries");
    }

    private static void AssertAllPass(string path, int minimumCases)
    {
        var results = ParityRunner.RunFile(path);
        Assert.True(results.Count >= minimumCases, $"{results.Count} cases in {path}");
        var bad = results.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.Name}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Theory]
    [InlineData("losses.json", 119)]
    [InlineData("entropy.json", 9)]
    public void Every_shared_golden_case_passes(string file, int cases) =>
        AssertAllPass(Path.Combine(Cajal.Tests.Parity.ParityTests.GoldenDir(), file), cases);

    [Fact]
    public void Every_extra_golden_case_passes() => AssertAllPass(Path.Combine(ExtraDir(), "losses_extra.json"), 150);

    [Fact]
    public void A_wrong_golden_value_is_caught()
    {
        var text = File.ReadAllText(Path.Combine(Cajal.Tests.Parity.ParityTests.GoldenDir(), "losses.json"));
        var golden = System.Text.Json.JsonSerializer.Deserialize<GoldenFile>(text, GoldenFile.JsonOptions)!;
        var c = golden.Cases.First(c => c.Name.StartsWith("cross_entropy/6x4_label_smoothing=0.2_weight_ignore_mean", StringComparison.Ordinal));
        c.Outputs!["out"].Data[0] *= 1 + 1e-7;
        Assert.Equal(CaseStatus.Failed, ParityRunner.RunCase("losses.json", c).Status);
    }
}
