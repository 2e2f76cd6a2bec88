using System.Globalization;
using System.Text.Json;
using Cajal.Io;
using Cajal.Nn;

namespace Cajal.Cli;

/// <summary>What a model file says about the model it holds.</summary>
/// <param name="Model">The architecture.</param>
/// <param name="Dataset">The dataset it was trained on.</param>
/// <param name="Classes">The class names, by label.</param>
/// <param name="Seed">The training run's seed.</param>
/// <param name="Epochs">Epochs trained.</param>
internal sealed record ModelInfo(ModelKind Model, DatasetKind Dataset, IReadOnlyList<string> Classes, ulong Seed, int Epochs);

/// <summary>
/// The <c>model.safetensors</c> that <c>cajal train</c> writes: the state dict under PyTorch's keys plus metadata naming
/// the architecture, so that eval and predict can rebuild it.
/// </summary>
/// <remarks>
/// Metadata: <c>format</c> "cajal.classifier/1", <c>model</c> (mlp|lenet|cnn), <c>dataset</c>, <c>classes</c> (a JSON array),
/// <c>input</c> "1x28x28", <c>preprocess</c> "pixel/255" (grey bytes scaled to [0, 1], no normalisation), <c>seed</c>,
/// <c>epochs</c>, <c>test_accuracy</c>, <c>test_loss</c>. Nothing time-dependent, so a resumed run writes the same bytes.
/// </remarks>
internal static class ModelFile
{
    /// <summary>The value of the <c>format</c> key.</summary>
    public const string Format = "cajal.classifier/1";

    /// <summary>Image height and width the models take.</summary>
    public const int Side = 28;

    /// <summary>Writes the model and its description atomically.</summary>
    public static void Save(string path, Module model, ModelInfo info, double testAccuracy, double testLoss)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["model"] = ClassifierCatalog.Name(info.Model),
            ["dataset"] = DatasetChoice.Name(info.Dataset),
            ["classes"] = JsonSerializer.Serialize(info.Classes),
            ["input"] = $"1x{Side}x{Side}",
            ["preprocess"] = "pixel/255",
            ["seed"] = info.Seed.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = info.Epochs.ToString(CultureInfo.InvariantCulture),
            ["test_accuracy"] = testAccuracy.ToString("R", CultureInfo.InvariantCulture),
            ["test_loss"] = testLoss.ToString("R", CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(path, model.StateDict(), metadata);
    }

    /// <summary>Reads a model file, rebuilds its architecture and loads the weights; the model is in evaluation mode.</summary>
    /// <exception cref="InvalidDataException">The file is not a model written by <c>cajal train</c>.</exception>
    public static (Sequential Model, ModelInfo Info) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist.", path);
        var file = SafeTensors.Load(path);
        var meta = file.Metadata;
        string Get(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"'{path}' is a safetensors file but not a model written by 'cajal train': its metadata has no '{key}'.");
        if (Get("format") != Format)
            throw new InvalidDataException($"'{path}': model format '{Get("format")}' is not supported (this cajal reads '{Format}').");
        if (!ClassifierCatalog.ModelNames.TryGetValue(Get("model"), out var kind))
            throw new InvalidDataException($"'{path}': unknown model '{Get("model")}'; expected {OptionParsing.OneOf(ClassifierCatalog.ModelNames.Keys)}.");
        if (!DatasetChoice.Names.TryGetValue(Get("dataset"), out var dataset))
            throw new InvalidDataException($"'{path}': unknown dataset '{Get("dataset")}'.");
        var classes = JsonSerializer.Deserialize<string[]>(Get("classes")) is { Length: > 0 } c ? c
            : throw new InvalidDataException($"'{path}': metadata 'classes' is not a JSON array of names.");
        ulong seed = ulong.TryParse(Get("seed"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        int epochs = int.TryParse(Get("epochs"), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : 0;
        var model = ClassifierCatalog.Create(kind, classes.Length, new Generator(0), new Generator(0));
        model.LoadStateDict(file.Tensors);
        model.Eval();
        return (model, new ModelInfo(kind, dataset, classes, seed, epochs));
    }
}
