using System.CommandLine;
using System.Globalization;
using Cajal.Examples.Article;

namespace Cajal.Cli;

/// <summary>What <c>cajal demo</c> was asked to do, after parsing and validation.</summary>
/// <param name="Seed">Seed of the generator that draws the initial weights.</param>
/// <param name="Hidden">Number of hidden neurons.</param>
/// <param name="Iterations">Number of training iterations.</param>
/// <param name="LearningRate">Gradient-descent step size.</param>
/// <param name="Activation">Hidden-layer activation.</param>
/// <param name="Hand">Train the hand-derived network instead of the autograd one.</param>
/// <param name="Json">Print one JSON object instead of tables.</param>
/// <param name="Plot">Write the loss curve as a PNG.</param>
/// <param name="OutDirectory">Folder for the PNG.</param>
internal sealed record DemoOptions(
    ulong Seed, int Hidden, int Iterations, double LearningRate, Activation Activation,
    bool Hand, bool Json, bool Plot, string OutDirectory);

/// <summary>Builds the <c>demo</c> verb: its options, their checks, and its action.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var seed = OptionParsing.Seed("Seed of the generator that draws the initial weights (printed with the results)");
        var hidden = OptionParsing.PositiveInt("--hidden", ArticleData.DefaultHidden, "Number of hidden neurons");
        var iterations = OptionParsing.PositiveInt("--iterations", ArticleData.DefaultIterations, "Number of full-batch training iterations");
        var lr = new Option<double>("--lr")
        {
            Description = "Learning rate of gradient descent (the article's update is 1)",
            DefaultValueFactory = _ => 1.0,
            CustomParser = result => OptionParsing.ParseToken(result, 1.0, "a positive number",
                text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                        && double.IsFinite(v) && v > 0 ? v : null),
        };
        var activation = new Option<Activation>("--activation")
        {
            Description = "Hidden-layer activation; the output layer is always sigmoid",
            DefaultValueFactory = _ => Activation.Sigmoid,
            HelpName = "sigmoid|tanh|relu",
            // Names only: Enum.TryParse alone would also take numbers such as "7".
            CustomParser = result => OptionParsing.ParseToken(result, Activation.Sigmoid, "sigmoid, tanh or relu",
                text => text.All(char.IsAsciiLetter) && Enum.TryParse<Activation>(text, ignoreCase: true, out var v) ? v : null),
        };
        var hand = new Option<bool>("--hand") { Description = "Train the hand-derived double[,] network instead of the autograd one" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else" };
        var noPlot = new Option<bool>("--no-plot") { Description = "Do not write article-loss.png" };
        var output = new Option<string>("--out")
        {
            Description = "Folder for article-loss.png (created if missing)",
            DefaultValueFactory = _ => ".",
            HelpName = "DIR",
        };

        var command = new Command("demo", "Train the article's 2-layer network on XOR and show its loss falling")
        {
            seed, hidden, iterations, lr, activation, hand, json, noPlot, output,
        };
        command.SetAction(parse =>
        {
            var options = new DemoOptions(
                parse.GetValue(seed),
                parse.GetValue(hidden),
                parse.GetValue(iterations),
                parse.GetValue(lr),
                parse.GetValue(activation),
                parse.GetValue(hand),
                parse.GetValue(json),
                !parse.GetValue(noPlot),
                parse.GetValue(output) ?? ".");
            return DemoRunner.Run(options, parse.InvocationConfiguration.Output);
        });
        return command;
    }
}
