using System.Globalization;
using System.Text.Json;

namespace Cajal.Cli;

/// <summary>A training run's options once defaults are filled in: what a resumed run must repeat.</summary>
/// <param name="Model">The architecture.</param>
/// <param name="Dataset">The dataset.</param>
/// <param name="Epochs">Epochs in all (may grow when resuming).</param>
/// <param name="BatchSize">Training batch size.</param>
/// <param name="LearningRate">Learning rate.</param>
/// <param name="Optimizer">Optimizer.</param>
/// <param name="Schedule">Learning-rate schedule.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Limit">The --limit given, or null.</param>
/// <param name="TrainSamples">Training images used.</param>
internal sealed record RunConfig(ModelKind Model, DatasetKind Dataset, int Epochs, int BatchSize, double LearningRate,
    OptimizerKind Optimizer, ScheduleKind Schedule, ulong Seed, int? Limit, int TrainSamples)
{
    /// <summary>The checkpoint metadata key holding <see cref="ToJson"/>.</summary>
    public const string MetadataKey = "cajal-train.options";

    /// <summary>
    /// The options a resumed run must repeat, as (option, value) pairs. Epochs are left out (a resumed run may extend)
    /// unless the schedule is cosine, whose curve depends on them.
    /// </summary>
    public IReadOnlyList<(string Option, string Value)> Fixed() =>
    [
        ("--model", ClassifierCatalog.Name(Model)),
        ("--dataset", DatasetChoice.Name(Dataset)),
        ("--batch-size", BatchSize.ToString(CultureInfo.InvariantCulture)),
        ("--lr", LearningRate.ToString("R", CultureInfo.InvariantCulture)),
        ("--optimizer", ClassifierCatalog.Name(Optimizer)),
        ("--schedule", ClassifierCatalog.Name(Schedule)),
        .. Schedule == ScheduleKind.Cosine ? [("cosine schedule epochs", Epochs.ToString(CultureInfo.InvariantCulture))] : Array.Empty<(string, string)>(),
        ("--seed", Seed.ToString(CultureInfo.InvariantCulture)),
        ("--limit", Limit?.ToString(CultureInfo.InvariantCulture) ?? "none"),
        ("training images", TrainSamples.ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>The fixed options as a JSON object of strings, for the checkpoint.</summary>
    public string ToJson() => JsonSerializer.Serialize(Fixed().ToDictionary(p => p.Option, p => p.Value));

    /// <summary>The differences between this run and a checkpoint's options, one phrase each ("--lr: checkpoint 0.1, now 0.05").</summary>
    public IReadOnlyList<string> Differences(string checkpointJson)
    {
        var saved = JsonSerializer.Deserialize<Dictionary<string, string>>(checkpointJson) ?? [];
        var differences = new List<string>();
        foreach (var (option, value) in Fixed())
        {
            var before = saved.GetValueOrDefault(option, "(absent)");
            if (before != value) differences.Add($"{option}: checkpoint {before}, now {value}");
        }
        return differences;
    }

    /// <summary>The command line that repeats this run, with <c>--out</c> (and <c>--data</c>, <c>--threads</c> when given) and optionally <c>--resume</c>.</summary>
    public string CommandLine(string runFolder, bool resume, int? threads, string? dataDir)
    {
        var parts = new List<string> { "cajal train" };
        foreach (var (option, value) in Fixed())
        {
            if (!option.StartsWith("--", StringComparison.Ordinal) || (option == "--limit" && Limit is null)) continue;
            parts.Add($"{option} {value}");
        }
        parts.Add($"--epochs {Epochs.ToString(CultureInfo.InvariantCulture)}");
        if (dataDir is not null) parts.Add($"--data {Quote(dataDir)}");
        if (threads is int t) parts.Add($"--threads {t.ToString(CultureInfo.InvariantCulture)}");
        parts.Add($"--out {Quote(runFolder)}");
        if (resume) parts.Add("--resume");
        return string.Join(' ', parts);
    }

    private static string Quote(string path) =>
        path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '\\') ? "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'" : path;
}
