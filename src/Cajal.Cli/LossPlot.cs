using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Cajal.Cli;

/// <summary>Draws the demo's loss per iteration on a log-scale y axis and saves it as a PNG.</summary>
internal static class LossPlot
{
    public const int Width = 800;
    public const int Height = 500;

    public static void Save(DemoResult result, string path)
    {
        EmbeddedFonts.Register();

        // ScottPlot 5 has no log axis: plot log10(loss) and label each tick with 10^tick.
        // Losses that are zero, negative or not finite have no logarithm and are left out.
        var points = result.Losses
            .Select((loss, i) => (Iteration: i + 1.0, Loss: loss))
            .Where(p => double.IsFinite(p.Loss) && p.Loss > 0)
            .ToArray();
        var plot = new Plot();
        var line = plot.Add.ScatterLine(points.Select(p => p.Iteration).ToArray(), points.Select(p => Math.Log10(p.Loss)).ToArray());
        line.LineWidth = 2;
        plot.Axes.Left.TickGenerator = new NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = exponent => Math.Pow(10, exponent).ToString("G3", CultureInfo.InvariantCulture),
            MinorTickGenerator = new LogMinorTickGenerator(),
        };

        var options = result.Options;
        plot.Title($"Article network ({result.Mode}, {DemoRunner.ActivationName(options.Activation)}), seed {options.Seed}: loss per iteration");
        plot.XLabel("iteration");
        plot.YLabel("loss Σ(y − ŷ)² (log scale)");
        plot.SavePng(path, Width, Height);
    }
}
