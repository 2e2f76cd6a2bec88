using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cajal.Data;
using Cajal.Nn;
using Cajal.Training;

namespace Cajal.Cli;

/// <summary>Builds the <c>eval</c> verb: a trained model's accuracy, loss and confusion matrix on a test split.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var modelFile = new Option<string>("--model-file") { Description = "A model.safetensors written by 'cajal train'", HelpName = "FILE", Required = true };
        var dataset = OptionParsing.Choice("--dataset", DatasetChoice.Names, "Test split to use (default: the dataset the model was trained on)");
        var data = new Option<string>("--data") { Description = "Folder holding the dataset's IDX files", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else" };
        var command = new Command("eval", "Evaluate a trained model on a test split: accuracy, loss and the confusion matrix")
        {
            modelFile, dataset, data, json,
        };
        command.SetAction(parse =>
        {
            var (model, info) = ModelFile.Load(parse.GetRequiredValue(modelFile));
            var kind = parse.GetValue(dataset) ?? info.Dataset;
            var test = DatasetChoice.Load(kind, parse.GetValue(data), limit: null, needTrain: false).Test;
            if (test.ClassNames.Count != info.Classes.Count)
                throw new ArgumentException($"the model has {info.Classes.Count} classes but {DatasetChoice.TitleOf(kind)} has {test.ClassNames.Count}.");
            var trainer = new Trainer(model, new Optim.Sgd(model.Parameters(), lr: 0.01), new CrossEntropyLoss());
            var evaluation = trainer.Evaluate(DataLoader.ForImages(test, 1000));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                output.WriteLine(Json(info, kind, test.Count, evaluation));
            else
            {
                output.WriteLine($"{ClassifierCatalog.Name(info.Model)} (seed {info.Seed}, {info.Epochs} epochs on {DatasetChoice.TitleOf(info.Dataset)}) on the {DatasetChoice.TitleOf(kind)} test split, {test.Count} images:");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {RunFiles.Percent(evaluation.Accuracy)}, loss {evaluation.Loss:F4}"));
                output.WriteLine();
                output.Write(evaluation.Confusion.Format(info.Classes));
            }
            return Program.Success;
        });
        return command;
    }

    private static string Json(ModelInfo info, DatasetKind dataset, int samples, Evaluation evaluation)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", ClassifierCatalog.Name(info.Model));
            json.WriteString("dataset", DatasetChoice.Name(dataset));
            json.WriteNumber("samples", samples);
            json.WriteNumber("accuracy", evaluation.Accuracy);
            json.WriteNumber("loss", evaluation.Loss);
            json.WriteStartArray("classes");
            foreach (var name in info.Classes) json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteStartArray("confusion");   // row = true class, column = predicted class
            var counts = evaluation.Confusion.ToArray();
            for (int r = 0; r < counts.GetLength(0); r++)
            {
                json.WriteStartArray();
                for (int c = 0; c < counts.GetLength(1); c++) json.WriteNumberValue(counts[r, c]);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
