using System.Globalization;
using Spectre.Console;

namespace Cajal.Cli.Bench;

/// <summary>Runs <c>cajal bench</c>: the workloads (or records read back with --from), then JSON lines or a table, and the chart.</summary>
internal static class BenchRunner
{
    public static int Run(BenchOptions options, TextWriter stdout, TextWriter stderr)
    {
        var records = new List<BenchRecord>();
        if (options.From.Count > 0)
        {
            foreach (var path in options.From) records.AddRange(ReadRecords(path));
            if (records.Count == 0)
                throw new InvalidDataException($"bench --from: no benchmark records in {string.Join(", ", options.From)}.");
            if (options.Json)
                foreach (var r in records) stdout.WriteLine(r.ToJson());
        }
        else
        {
            int savedThreads = Parallelism.MaxThreads;
            try
            {
                var plan = options.Quick ? BenchPlan.Quick : BenchPlan.Full;
                var workloads = new BenchWorkloads(options.Threads, plan, options.DataDir, record =>
                {
                    records.Add(record);
                    if (options.Json) stdout.WriteLine(record.ToJson());
                    else if (record.Seconds is not null) stderr.WriteLine($"[cajal] {record.Workload} done");
                    stdout.Flush();
                }, stderr);
                workloads.Run(options.Workloads.ToHashSet());
            }
            finally
            {
                Parallelism.MaxThreads = savedThreads;
            }
        }

        if (!options.Json)
            WriteTable(records, stdout);
        if (options.ChartPath is { } chart)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(chart));
            if (dir is not null) Directory.CreateDirectory(dir);
            BenchChart.Save(records, chart);
            if (!options.Json) stdout.WriteLine($"Chart written to {chart}");
            else stderr.WriteLine($"[cajal] chart written to {chart}");
        }
        return Program.Success;
    }

    /// <summary>Every benchmark record in a JSON-lines file, or in the *.jsonl files under a folder (run.sh's passN/ included).</summary>
    internal static IEnumerable<BenchRecord> ReadRecords(string path)
    {
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.jsonl", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : File.Exists(path) ? [path] : throw new FileNotFoundException($"bench --from: '{path}' does not exist.");
        foreach (var file in files)
            foreach (var line in File.ReadLines(file))
                if (BenchRecord.Parse(line) is { } record)
                    yield return record;
    }

    private static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Bytes(double b) => !double.IsFinite(b) ? "–"
        : b >= 1 << 20 ? F(b / (1 << 20), "F2") + " MB" : b >= 1 << 10 ? F(b / 1024, "F1") + " KB" : F(b, "F0") + " B";

    /// <summary>The figure a reader looks for first, per workload, with its unit.</summary>
    internal static string Headline(BenchRecord r) => r.Workload switch
    {
        "article" => $"{F(r.Metric("us_per_iter_median"), "F1")} µs/iter; final loss {F(r.Metric("final_loss"), "G6")}",
        "mlp" or "lenet" => $"{F(r.Metric("epoch_s_median"), "F2")} s/epoch, {F(r.Metric("train_img_per_s_median"), "N0")} img/s",
        "gemm" => $"n={F(r.Metric("n"), "F0")}: {F(r.Metric("gflops_best"), "F1")} GFLOP/s best, {F(r.Metric("gflops_median"), "F1")} median",
        "conv" => $"{F(r.Metric("ms_per_iter_median"), "F1")} ms fwd+bwd ({F(r.Metric("gflops_median"), "F1")} GFLOP/s); fwd {F(r.Metric("fwd_only_ms_median"), "F1")} ms",
        "infer_mlp" or "infer_lenet" => $"{F(r.Metric("img_per_s_median"), "N0")} img/s median, {F(r.Metric("img_per_s_best"), "N0")} best",
        "data_load" => $"{F(r.Seconds?.Median ?? double.NaN, "F2")} s",
        _ => "",
    };

    /// <summary>Accuracy, predictions and allocation figures.</summary>
    internal static string Detail(BenchRecord r)
    {
        var parts = new List<string>();
        if (r.Workload == "article" && r.Metrics.TryGetValue("pred", out var pred) && pred is IEnumerable<double> p)
            parts.Add("ŷ = [" + string.Join(", ", p.Select(v => F(v, "F5"))) + "]");
        foreach (var (k, v) in r.Metrics.Where(m => m.Key.StartsWith("test_acc_epoch", StringComparison.Ordinal)))
            parts.Add($"acc@{k["test_acc_epoch".Length..]} {F(Convert.ToDouble(v, CultureInfo.InvariantCulture), "F4")}");
        var alloc = r.Metrics.Keys.FirstOrDefault(k => k.StartsWith("alloc_bytes_per_", StringComparison.Ordinal) && !k.EndsWith("_by_epoch", StringComparison.Ordinal));
        if (alloc is not null)
            parts.Add($"alloc {Bytes(r.Metric(alloc))}/{alloc["alloc_bytes_per_".Length..]}");
        if (r.Metrics.ContainsKey("gc_gen0_per_epoch"))
            parts.Add($"GCs/epoch gen0 {F(r.Metric("gc_gen0_per_epoch"), "F1")}, gen1 {F(r.Metric("gc_gen1_per_epoch"), "F1")}, gen2 {F(r.Metric("gc_gen2_per_epoch"), "F1")}");
        else if (r.Metrics.ContainsKey("gc_gen0"))
            parts.Add($"GCs {F(r.Metric("gc_gen0"), "F0")}/{F(r.Metric("gc_gen1"), "F0")}/{F(r.Metric("gc_gen2"), "F0")}");
        if (r.Extra.TryGetValue("skipped", out var why)) parts.Add($"skipped: {why}");
        return string.Join("; ", parts);
    }

    private static void WriteTable(List<BenchRecord> records, TextWriter stdout)
    {
        var console = RunFiles.PlainConsole(stdout);
        var table = new Table()
            .AddColumn("anchor").AddColumn("workload").AddColumn("thr", c => c.RightAligned()).AddColumn("result")
            .AddColumn("median s", c => c.RightAligned()).AddColumn("min s", c => c.RightAligned()).AddColumn("max s", c => c.RightAligned())
            .AddColumn("n", c => c.RightAligned()).AddColumn("noise", c => c.RightAligned()).AddColumn("detail");
        foreach (var r in records.Where(r => r.Workload != "env" && r.Anchor is not "system" and not "peak-probe"))
        {
            var s = r.Seconds;
            table.AddRow(
                Markup.Escape(r.Anchor), Markup.Escape(r.Workload), r.Threads.ToString(CultureInfo.InvariantCulture), Markup.Escape(Headline(r)),
                s is null ? "–" : F(s.Median, "G4"), s is null ? "–" : F(s.Min, "G4"), s is null ? "–" : F(s.Max, "G4"),
                s is null ? "–" : s.N.ToString(CultureInfo.InvariantCulture), s is null ? "–" : F(s.NoisePct, "F0") + "%",
                Markup.Escape(Detail(r)));
        }
        if (records.FirstOrDefault(r => r.Workload == "env" && r.Anchor == BenchWorkloads.Anchor) is { } env)
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Cajal {env.Metrics.GetValueOrDefault("cajal")} on .NET {env.Metrics.GetValueOrDefault("dotnet")}, " +
                $"{env.Metrics.GetValueOrDefault("processors")} processors, AVX-512 {env.Metrics.GetValueOrDefault("avx512f")}, threads {env.Threads}")));
        console.Write(table);
    }
}
