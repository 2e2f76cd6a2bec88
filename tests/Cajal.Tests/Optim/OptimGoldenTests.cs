using Cajal.Parity;

namespace Cajal.Tests.Optim;

public class OptimGoldenTests
{
    internal static string ExtraDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var dir = Path.Combine(d.FullName, "tests", "golden-extra");
            if (File.Exists(Path.Combine(dir, "optim_extra.json"))) return dir;
        }
        throw new DirectoryNotFoundException($"tests/golden-extra not found above {AppContext.BaseDirectory}");
    }

    private static GoldenCase Load(string path, string name)
    {
        var file = System.Text.Json.JsonSerializer.Deserialize<GoldenFile>(File.ReadAllText(path), GoldenFile.JsonOptions)!;
        return file.Cases.First(c => c.Name == name);
    }

    private static void AllPass(IReadOnlyList<CaseResult> results, int atLeast)
    {
        Assert.True(results.Count >= atLeast, $"only {results.Count} cases");
        var bad = results.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.Name}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public void All_27_shared_optimizer_cases_pass_at_rtol_1e_12()
    {
        var results = ParityRunner.RunFile(Path.Combine(Parity.ParityTests.GoldenDir(), "optim.json"));
        Assert.Equal(27, results.Count);
        AllPass(results, 27);
    }

    [Fact]
    public void Our_extra_optimizer_cases_pass_maximize_weight_decay_nesterov_centered_lr_decay_skipped_grads()
    {
        AllPass(ParityRunner.RunFile(Path.Combine(ExtraDir(), "optim_extra.json")), 19);
    }

    [Fact]
    public void A_parameter_off_by_1e_10_relative_fails_and_names_the_step_and_parameter()
    {
        var c = Load(Path.Combine(Parity.ParityTests.GoldenDir(), "optim.json"), "optim.adam/2_lr=0.01_amsgrad=True");
        c.ParamsAfter![2][1].Data[4] *= 1 + 1e-10;
        var result = ParityRunner.RunCase("optim.json", c);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Contains("step 2 param 1: worst element [4]", result.Message);
    }

    [Fact]
    public void A_changed_hyper_parameter_is_detected()
    {
        var c = Load(Path.Combine(Parity.ParityTests.GoldenDir(), "optim.json"), "optim.rmsprop/3_lr=0.01_centered=True_momentum=0.9");
        c.Attributes["centered"] = System.Text.Json.JsonDocument.Parse("false").RootElement;
        Assert.Equal(CaseStatus.Failed, ParityRunner.RunCase("optim.json", c).Status);
    }

    [Fact]
    public void Unknown_optimizers_and_attributes_are_skipped_with_a_reason()
    {
        var c = Load(Path.Combine(Parity.ParityTests.GoldenDir(), "optim.json"), "optim.sgd/0_lr=0.1");
        c.Op = "optim.lbfgs";
        Assert.Equal(CaseStatus.Skipped, ParityRunner.RunCase("x.json", c).Status);
        c.Op = "optim.sgd";
        c.Attributes["capturable"] = System.Text.Json.JsonDocument.Parse("false").RootElement;
        Assert.Equal(CaseStatus.Passed, ParityRunner.RunCase("x.json", c).Status);
        c.Attributes["frobnicate"] = System.Text.Json.JsonDocument.Parse("1").RootElement;
        var skipped = ParityRunner.RunCase("x.json", c);
        Assert.Equal(CaseStatus.Skipped, skipped.Status);
        Assert.Contains("frobnicate", skipped.Message);
    }
}
