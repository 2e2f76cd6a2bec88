using System.Globalization;
using Cajal.Io;
using Cajal.Training;
using ScottPlot;

namespace Cajal.Cli;

/// <summary>The run folder's curves (loss, accuracy per epoch) and confusion-matrix heatmap, with the embedded fonts.</summary>
internal static class TrainPlots
{
    public const int Width = 800;
    public const int Height = 500;

    /// <summary>Size of the square confusion-matrix image.</summary>
    public const int ConfusionSize = 900;

    /// <summary>Writes the train and test loss per epoch, and the same for accuracy, as two PNGs.</summary>
    public static void SaveCurves(string lossPath, string accuracyPath, IReadOnlyList<EpochMetrics> history, string title)
    {
        EmbeddedFonts.Register();
        // The legend goes where the curves are not at the end of training: loss falls, accuracy rises.
        SaveCurve(lossPath, history, m => m.TrainLoss, m => m.ValLoss, "cross-entropy loss", $"{title}: loss per epoch", Alignment.UpperRight);
        SaveCurve(accuracyPath, history, m => 100 * m.TrainAccuracy, m => 100 * m.ValAccuracy, "accuracy (%)", $"{title}: accuracy per epoch", Alignment.LowerRight);
    }

    private static void SaveCurve(string path, IReadOnlyList<EpochMetrics> history, Func<EpochMetrics, double> train,
        Func<EpochMetrics, double?> test, string yLabel, string title, Alignment legend)
    {
        var plot = new Plot();
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        var trainLine = plot.Add.Scatter(epochs, history.Select(train).ToArray());
        trainLine.LegendText = "train";
        trainLine.LineWidth = 2;
        trainLine.MarkerSize = 7;
        var tested = history.Where(m => test(m) is not null).ToList();
        if (tested.Count > 0)
        {
            var testLine = plot.Add.Scatter(tested.Select(m => (double)m.Epoch).ToArray(), tested.Select(m => test(m)!.Value).ToArray());
            testLine.LegendText = "test";
            testLine.LineWidth = 2;
            testLine.MarkerSize = 7;
        }
        plot.ShowLegend(legend);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (history.Count == 1)
            plot.Axes.SetLimitsX(0.5, 1.5);   // one point: give it room
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        SavePng(plot, path, Width, Height);
    }

    /// <summary>
    /// Writes the confusion matrix as a heatmap: row = true class, column = predicted class, each cell labelled with
    /// its count, class names on both axes. ScottPlot draws row 0 at the top, so cell (r, c) is centred at
    /// x = c, y = rows − 1 − r (see NOTES).
    /// </summary>
    public static void SaveConfusion(string path, ConfusionMatrix confusion, IReadOnlyList<string> classes, string title)
    {
        EmbeddedFonts.Register();
        int n = confusion.Classes;
        var counts = confusion.ToArray();
        // Colour by the fraction of each true class (row), so that small classes read the same as large ones.
        var intensities = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            long rowTotal = 0;
            for (int c = 0; c < n; c++) rowTotal += counts[r, c];
            for (int c = 0; c < n; c++) intensities[r, c] = rowTotal == 0 ? 0 : (double)counts[r, c] / rowTotal;
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++)
            {
                var label = plot.Add.Text(counts[r, c].ToString(CultureInfo.InvariantCulture), c, n - 1 - r);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 14;
                label.LabelFontColor = intensities[r, c] > 0.5 ? Colors.Black : Colors.White;
                label.LabelBold = r == c;
            }
        }
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var names = Enumerable.Range(0, n).Select(i => i < classes.Count ? classes[i] : i.ToString(CultureInfo.InvariantCulture)).ToArray();
        // Slanted names start at their tick; the leading spaces move them clear of the axis line.
        plot.Axes.Bottom.SetTicks(positions, names.Select(name => "   " + name).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 120;   // room for the slanted names above the axis label
        plot.Axes.Right.MinimumSize = 60;     // and for the last name, which runs past the right edge
        plot.Axes.Left.SetTicks(positions, names.Reverse().ToArray());
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{title}: test accuracy {RunFiles.Percent(confusion.Accuracy)}"));
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.HideGrid();
        SavePng(plot, path, ConfusionSize, ConfusionSize);
    }

    /// <summary>Renders and writes the PNG atomically.</summary>
    public static void SavePng(Plot plot, string path, int width, int height)
    {
        var bytes = plot.GetImage(width, height).GetImageBytes(ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
