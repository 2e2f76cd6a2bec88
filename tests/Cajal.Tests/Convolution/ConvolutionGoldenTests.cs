using Cajal.Parity;
using Cajal.Tests.Parity;

namespace Cajal.Tests.Convolution;

/// <summary>The PyTorch goldens for conv2d, conv_transpose2d, max_pool2d, avg_pool2d and adaptive_avg_pool2d.</summary>
public class ConvolutionGoldenTests
{
    private static readonly string[] Ops = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"];

    private static void AssertAllPass(IEnumerable<CaseResult> results, int atLeast)
    {
        var mine = results.Where(r => Ops.Contains(r.Op)).ToList();
        Assert.True(mine.Count >= atLeast, $"only {mine.Count} convolution/pooling cases");
        var bad = mine.Where(r => r.Status != CaseStatus.Passed).Select(r => $"{r.Status} {r.Name}: {r.Message}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public void Every_convolution_and_pooling_case_of_the_shared_layers_golden_passes()
    {
        AssertAllPass(ParityRunner.RunFile(Path.Combine(ParityTests.GoldenDir(), "layers.json")), atLeast: 28);
    }

    [Fact]
    public void Our_own_extra_PyTorch_cases_for_convolution_and_pooling_all_pass()
    {
        string? path = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && path is null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "golden-extra", "conv_extra.json");
            if (File.Exists(candidate)) path = candidate;
        }
        Assert.NotNull(path);
        var results = ParityRunner.RunFile(path);
        Assert.Equal(results.Count, results.Count(r => Ops.Contains(r.Op)));
        AssertAllPass(results, atLeast: 55);
    }
}
