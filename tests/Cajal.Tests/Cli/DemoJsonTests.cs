using System.Text.Json;

namespace Cajal.Tests.Cli;

public class DemoJsonTests
{
    private static readonly string[] RequiredKeys = ["seed", "iterations", "losses", "predictions", "targets", "monotonic"];

    [Fact]
    public void Same_seed_gives_byte_identical_json_and_another_seed_differs()
    {
        var first = CliRunner.Run("demo", "--json", "--no-plot", "--seed", "11");
        var second = CliRunner.Run("demo", "--json", "--no-plot", "--seed", "11");
        var other = CliRunner.Run("demo", "--json", "--no-plot", "--seed", "12");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.NotEqual(first.Stdout, other.Stdout);
    }

    [Fact]
    public void Json_is_one_object_with_the_required_keys_first_and_one_loss_per_iteration()
    {
        var run = CliRunner.Run("demo", "--json", "--no-plot");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        using var document = JsonDocument.Parse(run.Stdout);   // throws if anything but one JSON value is on stdout
        var root = document.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(RequiredKeys, keys.Take(RequiredKeys.Length));
        Assert.Equal(["hidden", "lr", "activation", "mode"], keys.Skip(RequiredKeys.Length));

        Assert.Equal(1UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(1500, root.GetProperty("iterations").GetInt32());
        var losses = root.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(1500, losses.Length);
        Assert.Equal([0.0, 1, 1, 0], root.GetProperty("targets").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(4, root.GetProperty("predictions").GetArrayLength());
        Assert.Equal("autograd", root.GetProperty("mode").GetString());
        Assert.Equal("sigmoid", root.GetProperty("activation").GetString());
        Assert.Equal(4, root.GetProperty("hidden").GetInt32());

        bool monotonic = losses.Zip(losses.Skip(1), (before, after) => after < before).All(b => b);
        Assert.Equal(monotonic, root.GetProperty("monotonic").GetBoolean());
    }

    [Fact]
    public void Losses_round_trip_exactly_and_stop_at_the_requested_iteration()
    {
        var run = CliRunner.Run("demo", "--json", "--no-plot", "--iterations", "7", "--hidden", "3", "--lr", "0.5",
            "--activation", "tanh");

        using var document = JsonDocument.Parse(run.Stdout);
        var root = document.RootElement;
        Assert.Equal(7, root.GetProperty("losses").GetArrayLength());
        Assert.Equal(3, root.GetProperty("hidden").GetInt32());
        Assert.Equal(0.5, root.GetProperty("lr").GetDouble());
        Assert.Equal("tanh", root.GetProperty("activation").GetString());
        foreach (var loss in root.GetProperty("losses").EnumerateArray())
        {
            double value = loss.GetDouble();
            Assert.Equal(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), loss.GetRawText());
        }
    }

    [Fact]
    public void Hand_mode_trains_the_same_network_as_autograd_from_the_same_seed()
    {
        static double[] Losses(CliRunner.Outcome run)
        {
            using var document = JsonDocument.Parse(run.Stdout);
            return document.RootElement.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        }

        var autograd = CliRunner.Run("demo", "--json", "--no-plot", "--seed", "4", "--iterations", "300");
        var hand = CliRunner.Run("demo", "--json", "--no-plot", "--seed", "4", "--iterations", "300", "--hand");

        Assert.Contains("\"mode\":\"hand\"", hand.Stdout);
        Article.ArticleAssert.Close(Losses(autograd), Losses(hand), "hand vs autograd losses");
    }
}
