namespace Cajal.Tests.Cli;

public class CliUsageTests
{
    [Theory]
    [InlineData("frobnicate")]
    [InlineData("demo", "--bogus")]
    [InlineData("demo", "--hidden", "abc")]
    [InlineData("demo", "--hidden", "0")]
    [InlineData("demo", "--iterations", "-5")]
    [InlineData("demo", "--activation", "foo")]
    [InlineData("demo", "--lr", "nan")]
    [InlineData("demo", "--seed", "x")]
    [InlineData("demo", "--iterations")]
    [InlineData]
    public void Usage_errors_exit_2_with_one_error_line_and_a_hint(params string[] args)
    {
        var run = CliRunner.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("cajal: ", lines[0]);
        Assert.StartsWith("Usage: cajal", lines[1]);
        Assert.DoesNotContain("   at ", run.Stderr);   // no stack trace
    }

    [Fact]
    public void Bad_values_are_named_in_the_error()
    {
        Assert.Contains("'abc'", CliRunner.Run("demo", "--hidden", "abc").Stderr);
        Assert.Contains("--hidden", CliRunner.Run("demo", "--hidden", "0").Stderr);
        Assert.Contains("sigmoid, tanh or relu", CliRunner.Run("demo", "--activation", "foo").Stderr);
        Assert.Contains("unknown verb 'frobnicate'", CliRunner.Run("frobnicate").Stderr);
    }

    [Fact]
    public void Version_and_help_succeed_on_stdout()
    {
        var version = CliRunner.Run("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout);

        var help = CliRunner.Run("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("cajal", help.Stdout);
        Assert.Contains("demo", help.Stdout);
        Assert.Contains("parity", help.Stdout);

        var demoHelp = CliRunner.Run("demo", "--help");
        Assert.Equal(0, demoHelp.ExitCode);
        foreach (var option in new[] { "--seed", "--hidden", "--iterations", "--lr", "--activation", "--hand", "--json", "--no-plot", "--out" })
            Assert.Contains(option, demoHelp.Stdout);
    }

    [Fact]
    public void Activation_names_ignore_case()
    {
        Assert.Equal(0, CliRunner.Run("demo", "--no-plot", "--json", "--iterations", "2", "--activation", "ReLU").ExitCode);
    }

    [Fact]
    public void A_plot_folder_that_cannot_be_made_is_a_one_line_runtime_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            var run = CliRunner.Run("demo", "--iterations", "2", "--out", Path.Combine(file, "sub"));
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith("cajal: error: ", run.Stderr);
            Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
