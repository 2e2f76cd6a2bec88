using System.Globalization;
using System.Text.Json;

namespace Cajal.Io;

/// <summary>A training state that resumes a run exactly: model, optimizer, scheduler, epoch, step and generator.</summary>
/// <remarks>
/// <para>Stored as one safetensors file, written atomically. Model tensors are named <c>model.&lt;key&gt;</c> and
/// optimizer tensors <c>optimizer.&lt;key&gt;</c>; everything else is a <c>__metadata__</c> string:
/// <c>cajal.checkpoint</c> (layout version, "1"), <c>cajal.epoch</c>, <c>cajal.step</c> (decimal),
/// <c>cajal.optimizer</c> (the optimizer's options as JSON), <c>cajal.scheduler</c> (the scheduler's state as JSON),
/// <c>cajal.generator</c> (the <see cref="Generator.GetState"/> words as 16-digit hex, comma-separated), and the
/// caller's own <see cref="Metadata"/> under its own keys, which must not start with <c>cajal.</c>.
/// See docs/formats.md.</para>
/// <para>Tensors and words round-trip bit for bit. In Python, the model's state dict is
/// <c>{k[6:]: v for k, v in load_file(path).items() if k.startswith("model.")}</c>.</para>
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The layout version this class writes and reads.</summary>
    public const string FormatVersion = "1";

    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optimizer.";
    private const string ReservedPrefix = "cajal.";
    private const string VersionKey = "cajal.checkpoint";
    private const string EpochKey = "cajal.epoch";
    private const string StepKey = "cajal.step";
    private const string OptimizerKey = "cajal.optimizer";
    private const string SchedulerKey = "cajal.scheduler";
    private const string GeneratorKey = "cajal.generator";

    private static readonly Dictionary<string, Tensor> NoTensors = [];
    private static readonly Dictionary<string, string> NoMetadata = [];

    /// <summary>The model's state dict, with PyTorch's key names (<c>fc1.weight</c>, …).</summary>
    public IReadOnlyDictionary<string, Tensor> Model { get; init; } = NoTensors;

    /// <summary>The optimizer's state tensors (momentum buffers, moment estimates, …) under the optimizer's own keys.</summary>
    public IReadOnlyDictionary<string, Tensor> OptimizerState { get; init; } = NoTensors;

    /// <summary>The optimizer's options and scalar state as a JSON text; null when there is no optimizer.</summary>
    public string? OptimizerOptions { get; init; }

    /// <summary>The learning-rate scheduler's state as a JSON text; null when there is no scheduler.</summary>
    public string? SchedulerState { get; init; }

    /// <summary>The number of epochs completed.</summary>
    public long Epoch { get; init; }

    /// <summary>The number of optimizer steps taken.</summary>
    public long Step { get; init; }

    /// <summary>The training generator's <see cref="Generator.GetState"/>; restore it with <see cref="Generator.SetState"/>. Null when not saved.</summary>
    public ulong[]? GeneratorState { get; init; }

    /// <summary>Free-form string pairs (run name, seed, git commit, …); keys must not start with <c>cajal.</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = NoMetadata;

    /// <summary>Writes the checkpoint to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentException">A JSON text does not parse, a metadata key starts with <c>cajal.</c>, or a tensor is null.</exception>
    public void Save(string path)
    {
        CheckJson(OptimizerOptions, nameof(OptimizerOptions));
        CheckJson(SchedulerState, nameof(SchedulerState));
        var tensors = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in Model) tensors.Add(ModelPrefix + key, value);
        foreach (var (key, value) in OptimizerState) tensors.Add(OptimizerPrefix + key, value);

        var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal)
        {
            [VersionKey] = FormatVersion,
            [EpochKey] = Epoch.ToString(CultureInfo.InvariantCulture),
            [StepKey] = Step.ToString(CultureInfo.InvariantCulture),
        };
        if (OptimizerOptions is not null) metadata[OptimizerKey] = OptimizerOptions;
        if (SchedulerState is not null) metadata[SchedulerKey] = SchedulerState;
        if (GeneratorState is not null)
            metadata[GeneratorKey] = string.Join(',', GeneratorState.Select(w => w.ToString("x16", CultureInfo.InvariantCulture)));
        foreach (var (key, value) in Metadata)
        {
            if (key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Checkpoint.Save: metadata key '{key}' starts with '{ReservedPrefix}', which is reserved for the checkpoint's own fields.");
            metadata.Add(key, value);
        }
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The checkpoint, with tensors in the order they were saved.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is damaged, or is a safetensors file but not a Cajal checkpoint.</exception>
    public static Checkpoint Load(string path)
    {
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue(VersionKey, out var version))
            throw Problem(path, $"it is a safetensors file but not a Cajal checkpoint: __metadata__ has no '{VersionKey}'");
        if (version != FormatVersion)
            throw Problem(path, $"checkpoint layout version {SafeTensorsHeader.Quote(version)} is not supported (this Cajal reads '{FormatVersion}')");

        var model = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        var optimizer = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in file.Tensors)
        {
            if (name.StartsWith(ModelPrefix, StringComparison.Ordinal)) model.Add(name[ModelPrefix.Length..], tensor);
            else if (name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizer.Add(name[OptimizerPrefix.Length..], tensor);
            else throw Problem(path, $"tensor {SafeTensorsHeader.Quote(name)} starts with neither '{ModelPrefix}' nor '{OptimizerPrefix}'");
        }

        var user = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in meta)
        {
            if (!key.StartsWith(ReservedPrefix, StringComparison.Ordinal)) user.Add(key, value);
        }
        return new Checkpoint
        {
            Model = model,
            OptimizerState = optimizer,
            OptimizerOptions = ReadJson(meta, OptimizerKey, path),
            SchedulerState = ReadJson(meta, SchedulerKey, path),
            Epoch = ReadLong(meta, EpochKey, path),
            Step = ReadLong(meta, StepKey, path),
            GeneratorState = ReadGenerator(meta, path),
            Metadata = user,
        };
    }

    private static void CheckJson(string? json, string name)
    {
        if (json is null) return;
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Checkpoint.Save: {name} is not valid JSON: {e.Message}", e);
        }
    }

    private static string? ReadJson(IReadOnlyDictionary<string, string> meta, string key, string path)
    {
        if (!meta.TryGetValue(key, out var json)) return null;
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Problem(path, $"__metadata__ '{key}' is not valid JSON ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        return json;
    }

    private static long ReadLong(IReadOnlyDictionary<string, string> meta, string key, string path)
    {
        if (!meta.TryGetValue(key, out var text))
            throw Problem(path, $"__metadata__ has no '{key}'");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            throw Problem(path, $"__metadata__ '{key}' is {SafeTensorsHeader.Quote(text)}, not a whole number");
        return value;
    }

    private static ulong[]? ReadGenerator(IReadOnlyDictionary<string, string> meta, string path)
    {
        if (!meta.TryGetValue(GeneratorKey, out var text)) return null;
        var words = text.Split(',');
        var state = new ulong[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            if (words[i].Length != 16 || !ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out state[i]))
                throw Problem(path, $"__metadata__ '{GeneratorKey}' word {i} is {SafeTensorsHeader.Quote(words[i])}, not 16 hex digits");
        }
        return state;
    }

    private static SafeTensorsFormatException Problem(string path, string problem, Exception? inner = null) =>
        SafeTensorsHeader.Problem(path, problem, inner);
}
