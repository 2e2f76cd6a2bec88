using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cajal.Cli;

/// <summary>Builds the <c>predict</c> verb: the top-k classes, with probabilities, of each image given.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var modelFile = new Option<string>("--model-file") { Description = "A model.safetensors written by 'cajal train'", HelpName = "FILE", Required = true };
        var images = new Argument<string[]>("image")
        {
            Description = "28×28 grey images: PNG, PGM (P2/P5) or IDX (every image in the file); not resized",
            Arity = ArgumentArity.OneOrMore,
        };
        var topK = OptionParsing.PositiveInt("--top-k", 3, "Classes to show per image, most probable first");
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else" };
        var command = new Command("predict", "Classify images with a trained model: the top-k classes and their probabilities")
        {
            modelFile, images, topK, json,
        };
        command.SetAction(parse =>
        {
            var (model, info) = ModelFile.Load(parse.GetRequiredValue(modelFile));
            var all = parse.GetRequiredValue(images).SelectMany(path => ImageFiles.Read(path, ModelFile.Side)).ToList();
            int k = Math.Min(parse.GetValue(topK), info.Classes.Count);
            var results = new List<(GreyImage Image, (int Label, double Probability)[] Top)>();
            const int Batch = 1000;
            for (int start = 0; start < all.Count; start += Batch)
            {
                var chunk = all.Skip(start).Take(Batch).ToList();
                var pixels = new float[chunk.Count * ModelFile.Side * ModelFile.Side];
                for (int i = 0; i < chunk.Count; i++)
                    for (int p = 0; p < chunk[i].Pixels.Length; p++)
                        pixels[i * chunk[i].Pixels.Length + p] = chunk[i].Pixels[p] / 255f;   // as in training: pixel/255
                Tensor probabilities;
                using (Autograd.NoGrad())
                    probabilities = model.Forward(Tensor.FromArray(pixels, chunk.Count, 1, ModelFile.Side, ModelFile.Side)).Softmax(1);
                var values = probabilities.ToDoubleArray();
                int classes = info.Classes.Count;
                for (int i = 0; i < chunk.Count; i++)
                {
                    var top = Enumerable.Range(0, classes).Select(c => (Label: c, Probability: values[i * classes + c]))
                        .OrderByDescending(p => p.Probability).ThenBy(p => p.Label).Take(k).ToArray();
                    results.Add((chunk[i], top));
                }
            }
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                output.WriteLine(Json(info, results));
            else
                foreach (var (image, top) in results)
                    output.WriteLine($"{image.Name}: " + string.Join(", ", top.Select(t =>
                        string.Create(CultureInfo.InvariantCulture, $"{info.Classes[t.Label]} {100 * t.Probability:F1}%"))));
            return Program.Success;
        });
        return command;
    }

    private static string Json(ModelInfo info, List<(GreyImage Image, (int Label, double Probability)[] Top)> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", ClassifierCatalog.Name(info.Model));
            json.WriteStartArray("predictions");
            foreach (var (image, top) in results)
            {
                json.WriteStartObject();
                json.WriteString("image", image.Name);
                json.WriteStartArray("top");
                foreach (var (label, probability) in top)
                {
                    json.WriteStartObject();
                    json.WriteString("class", info.Classes[label]);
                    json.WriteNumber("label", label);
                    json.WriteNumber("probability", probability);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
