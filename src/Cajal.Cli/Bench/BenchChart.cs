using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Cajal.Cli.Bench;

/// <summary>
/// Draws each implementation's speed relative to PyTorch per workload as grouped bars on a log scale: a bar above
/// the 1× line is faster than PyTorch, below is slower. Only measured records are drawn; nothing is filled in.
/// </summary>
internal static class BenchChart
{
    public const int Width = 1100;
    public const int Height = 560;

    private static readonly (string Anchor, string Label, string Color)[] Series =
    [
        ("cajal", "Cajal", "#d62728"),
        ("torchsharp", "TorchSharp-cpu", "#9467bd"),
        ("pytorch", "PyTorch 1.13", "#1f77b4"),
        ("numpy", "numpy + OpenBLAS", "#2ca02c"),
    ];

    /// <summary>One group of bars: a workload, and how to read a time (seconds, lower is better) from a record.</summary>
    internal sealed record Group(string Label, string Workload, int? Threads, int? N, bool Best);

    /// <summary>The seconds of the matching records of one anchor (median over passes of each pass's median, or best).</summary>
    internal static double? Seconds(IReadOnlyList<BenchRecord> records, string anchor, Group g)
    {
        var values = records
            .Where(r => r.Anchor == anchor && r.Workload == g.Workload && r.Seconds is not null
                        && (g.Threads is null || r.Threads == g.Threads)
                        && (g.N is null || (int)r.Metric("n") == g.N))
            .Select(r => g.Best ? r.Seconds!.Min : r.Seconds!.Median).Order().ToArray();
        if (values.Length == 0) return null;
        int mid = values.Length / 2;
        return g.Best ? values[0] : values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>The groups present in the records, for the thread count of Cajal's (or else the first) records.</summary>
    internal static List<Group> Groups(IReadOnlyList<BenchRecord> records)
    {
        int threads = records.FirstOrDefault(r => r.Anchor == BenchWorkloads.Anchor && r.Workload is not ("env" or "gemm" or "data_load"))?.Threads
                      ?? records.Where(r => r.Workload == "gemm").Select(r => r.Threads).DefaultIfEmpty(2).Max();
        var groups = new List<Group>
        {
            new("W1 article", "article", null, null, false),
            new("W2 mlp\nepoch", "mlp", null, null, false),
            new("W3 lenet\nepoch", "lenet", null, null, false),
        };
        foreach (int n in records.Where(r => r.Workload == "gemm" && r.Threads == threads).Select(r => (int)r.Metric("n")).Distinct().Order())
            groups.Add(new($"W4 gemm\n{n}, {threads} thr", "gemm", threads, n, true));
        groups.Add(new("W5 conv\nfwd+bwd", "conv", null, null, false));
        groups.Add(new("W6 infer\nmlp", "infer_mlp", null, null, false));
        groups.Add(new("W6 infer\nlenet", "infer_lenet", null, null, false));
        return groups;
    }

    public static void Save(IReadOnlyList<BenchRecord> records, string path)
    {
        EmbeddedFonts.Register();
        string reference = records.Any(r => r.Anchor == "pytorch" && r.Seconds is not null) ? "pytorch" : BenchWorkloads.Anchor;
        var groups = Groups(records).Where(g => Seconds(records, reference, g) is not null).ToList();
        var series = Series.Where(s => records.Any(r => r.Anchor == s.Anchor && r.Seconds is not null)).ToArray();

        var plot = new Plot();
        var bars = new List<Bar>();
        double width = 0.8 / Math.Max(1, series.Length);
        for (int gi = 0; gi < groups.Count; gi++)
        {
            double refSeconds = Seconds(records, reference, groups[gi])!.Value;
            for (int si = 0; si < series.Length; si++)
            {
                if (Seconds(records, series[si].Anchor, groups[gi]) is not { } seconds) continue;
                double speedup = refSeconds / seconds;   // > 1: faster than the reference
                bars.Add(new Bar
                {
                    Position = gi + (si - (series.Length - 1) / 2.0) * width,
                    Value = Math.Log10(speedup),
                    ValueBase = 0,
                    Size = width * 0.92,
                    FillColor = Color.FromHex(series[si].Color),
                    Label = speedup.ToString(speedup >= 10 ? "F0" : "F2", CultureInfo.InvariantCulture),
                });
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 10;
        var one = plot.Add.HorizontalLine(0);
        one.LineColor = Colors.Black;
        one.LineWidth = 1;

        plot.Axes.Bottom.TickGenerator = new NumericManual(
            groups.Select((_, i) => (double)i).ToArray(), groups.Select(g => g.Label).ToArray());
        // Log axis: ticks at 1-2-5 steps of the speed-up, placed at their logarithms.
        double lo = bars.Count == 0 ? -1 : Math.Min(0, bars.Min(b => b.Value)), hi = bars.Count == 0 ? 1 : Math.Max(0, bars.Max(b => b.Value));
        var ticks = new List<double>();
        for (int decade = (int)Math.Floor(lo) - 1; decade <= (int)Math.Ceiling(hi); decade++)
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
                if (decade + Math.Log10(m) is var t && t >= lo - 0.15 && t <= hi + 0.15) ticks.Add(t);
        plot.Axes.Left.TickGenerator = new NumericManual(ticks.ToArray(),
            ticks.Select(t => Math.Pow(10, t).ToString("G3", CultureInfo.InvariantCulture) + "×").ToArray());
        foreach (var s in series)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = s.Label, FillColor = Color.FromHex(s.Color) });
        plot.ShowLegend(Edge.Right);
        plot.Title($"Speed relative to {(reference == "pytorch" ? "PyTorch 1.13" : "Cajal")} (log scale; above 1× = faster), one session");
        plot.YLabel("speed-up (time of reference ÷ time)");
        plot.Axes.Margins(horizontal: 0.02, vertical: 0.12);
        plot.SavePng(path, Width, Height);
    }
}
