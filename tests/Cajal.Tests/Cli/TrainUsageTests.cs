namespace Cajal.Tests.Cli;

public class TrainUsageTests
{
    [Theory]
    [InlineData("train", "--model", "resnet")]
    [InlineData("train", "--dataset", "cifar")]
    [InlineData("train", "--epochs", "0")]
    [InlineData("train", "--epochs", "abc")]
    [InlineData("train", "--batch-size", "-1")]
    [InlineData("train", "--lr", "0")]
    [InlineData("train", "--lr", "nan")]
    [InlineData("train", "--optimizer", "lbfgs")]
    [InlineData("train", "--schedule", "linear")]
    [InlineData("train", "--threads", "0")]
    [InlineData("train", "--seed", "-3")]
    [InlineData("train", "--limit", "x")]
    [InlineData("train", "extra")]
    [InlineData("eval")]
    [InlineData("eval", "--model-file")]
    [InlineData("predict", "--model-file", "m.safetensors")]
    [InlineData("predict", "--model-file", "m.safetensors", "a.png", "--top-k", "0")]
    [InlineData("download")]
    [InlineData("download", "cifar", "--to", "x")]
    [InlineData("download", "fashion-mnist")]
    [InlineData("download", "fashion-mnist", "--to", "x", "--base-url", "ftp://example.org/")]
    public void Usage_errors_exit_2_with_one_error_line_and_a_hint(params string[] args)
    {
        var run = CliRunner.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("cajal: ", lines[0]);
        Assert.StartsWith($"Usage: cajal {args[0]}", lines[1]);
    }

    [Fact]
    public void Bad_choices_list_the_accepted_names()
    {
        Assert.Contains("--model expects mlp, lenet or cnn, got 'resnet'", CliRunner.Run("train", "--model", "resnet").Stderr);
        Assert.Contains("--dataset expects fashion-mnist, mnist or embedded", CliRunner.Run("train", "--dataset", "x").Stderr);
        Assert.Contains("--optimizer expects sgd, adam or adamw", CliRunner.Run("train", "--optimizer", "x").Stderr);
    }

    [Fact]
    public void Help_lists_the_new_verbs_and_train_options()
    {
        var help = CliRunner.Run("--help");
        foreach (var verb in new[] { "train", "eval", "predict", "download" })
            Assert.Contains(verb, help.Stdout);
        var train = CliRunner.Run("train", "--help");
        Assert.Equal(0, train.ExitCode);
        foreach (var option in new[] { "--model", "--dataset", "--data", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed", "--threads", "--out", "--resume", "--json", "--limit", "--no-plots" })
            Assert.Contains(option, train.Stdout);
    }
}
