using Cajal.Examples.Article;

namespace Cajal.Tests.Cli;

public class ParityVerbTests
{
    [Fact]
    public void Parity_over_a_golden_folder_ends_with_the_summary_and_exits_0()
    {
        var goldenDir = ArticleGolden.FindDirectory(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("golden folder not found; set CAJAL_GOLDEN_DIR");
        var dir = Directory.CreateTempSubdirectory("cajal-parity-").FullName;
        try
        {
            // One small file the core implements fully, so the expected counts are exact.
            File.Copy(Path.Combine(goldenDir, "matmul.json"), Path.Combine(dir, "matmul.json"));
            var run = CliRunner.Run("parity", dir);

            Assert.Equal(0, run.ExitCode);
            Assert.Equal("", run.Stderr);
            Assert.Equal("9 passed, 0 failed, 0 skipped", run.Stdout.TrimEnd().Split('\n')[^1].TrimEnd());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Parity_without_a_folder_is_a_usage_error()
    {
        var run = CliRunner.Run("parity");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Usage: cajal parity <dir>", run.Stderr);
    }

    [Fact]
    public void Parity_on_a_missing_folder_is_a_one_line_runtime_error()
    {
        var run = CliRunner.Run("parity", Path.Combine(Path.GetTempPath(), "cajal-no-such-folder-" + Guid.NewGuid()));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("cajal: error: ", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
