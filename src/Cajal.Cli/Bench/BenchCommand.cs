using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Cajal.Cli.Bench;

/// <summary>Builds the <c>bench</c> verb: the workloads of <c>../shared/anchors/WORKLOADS.md</c>, measured as the anchors measure them.</summary>
internal static class BenchCommand
{
    /// <summary>The workload names, in the order they run.</summary>
    public static readonly string[] WorkloadNames = ["article", "mlp", "lenet", "gemm", "conv", "infer"];

    /// <summary>The anchors' thread setting: both cores of the 2-core benchmark machines.</summary>
    public const int DefaultThreads = 2;

    public static Command Create()
    {
        var workloads = new Option<string[]>("--workloads")
        {
            Description = $"Comma-separated workloads to run: {string.Join(",", WorkloadNames)}",
            DefaultValueFactory = _ => WorkloadNames,
            HelpName = "LIST",
            CustomParser = ParseWorkloads,
        };
        var threads = new Option<int>("--threads")
        {
            Description = $"Intra-op threads (Parallelism.MaxThreads); gemm runs on 1 and on N. Default {DefaultThreads}, as the anchors",
            DefaultValueFactory = _ => DefaultThreads,
            HelpName = "N",
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0) return DefaultThreads;
                var text = result.Tokens[0].Value;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= 1024) return v;
                result.AddError($"--threads expects a whole number from 1 to 1024, got '{text}'.");
                return DefaultThreads;
            },
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per measurement (the anchors' format) and nothing else on stdout" };
        var quick = new Option<bool>("--quick") { Description = "Smoke test: run.sh's QUICK=1 counts (1 epoch, 2–3 samples, gemm n = 256, 512)" };
        var data = new Option<string?>("--data")
        {
            Description = "Folder with Fashion-MNIST's IDX files (default: $FASHION_MNIST_DIR, $CAJAL_DATA, /usr/share/datasets/fashion-mnist)",
            HelpName = "DIR",
        };
        var chart = new Option<string?>("--chart")
        {
            Description = "Also draw a bar chart (PNG) of speed relative to PyTorch from the records (this run's, or those of --from)",
            HelpName = "FILE",
        };
        var from = new Option<string[]>("--from")
        {
            Description = "Read records from JSON-lines files or folders of them (Cajal's and the anchors' run.sh results) instead of running",
            HelpName = "PATH",
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("bench", "Run the benchmark workloads of ../shared/anchors/WORKLOADS.md (article, mlp, lenet, gemm, conv, infer)")
        {
            workloads, threads, json, quick, data, chart, from,
        };
        command.SetAction(parse =>
        {
            var options = new BenchOptions(
                parse.GetValue(workloads) ?? WorkloadNames,
                parse.GetValue(threads),
                parse.GetValue(json),
                parse.GetValue(quick),
                parse.GetValue(data) ?? NullIfEmpty(Environment.GetEnvironmentVariable("FASHION_MNIST_DIR")),
                parse.GetValue(chart),
                parse.GetValue(from) ?? []);
            return BenchRunner.Run(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string[] ParseWorkloads(ArgumentResult result)
    {
        if (result.Tokens.Count == 0) return WorkloadNames;
        var names = result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(s => s.ToLowerInvariant()).ToArray();
        var unknown = names.FirstOrDefault(n => !WorkloadNames.Contains(n));
        if (unknown is not null)
        {
            result.AddError($"--workloads: unknown workload '{unknown}'; choose from {string.Join(", ", WorkloadNames)}.");
            return WorkloadNames;
        }
        if (names.Length == 0)
        {
            result.AddError($"--workloads expects a comma-separated list of {string.Join(", ", WorkloadNames)}.");
            return WorkloadNames;
        }
        return names.Distinct().ToArray();
    }
}

/// <summary>What <c>cajal bench</c> was asked to do.</summary>
internal sealed record BenchOptions(
    IReadOnlyList<string> Workloads, int Threads, bool Json, bool Quick, string? DataDir, string? ChartPath, IReadOnlyList<string> From);
