using System.CommandLine;
using System.Globalization;

namespace Cajal.Cli;

/// <summary>What <c>cajal train</c> was asked to do; null values are filled from the model's defaults.</summary>
/// <param name="Model">The architecture.</param>
/// <param name="Dataset">The dataset, or null for "full Fashion-MNIST when installed, else the embedded subset".</param>
/// <param name="DataDir">A folder to look for the dataset in first.</param>
/// <param name="Epochs">Epochs to train in all (counting a resumed run's earlier ones).</param>
/// <param name="BatchSize">Training batch size.</param>
/// <param name="LearningRate">Learning rate.</param>
/// <param name="Optimizer">Optimizer.</param>
/// <param name="Schedule">Learning-rate schedule.</param>
/// <param name="Seed">The one seed that the init, data and dropout generators derive from.</param>
/// <param name="Threads">Kernel threads (Parallelism.MaxThreads), or null for all cores.</param>
/// <param name="OutDirectory">The run folder, or null for runs/&lt;model&gt;-&lt;dataset&gt;-seed&lt;S&gt;.</param>
/// <param name="Resume">Continue from the run folder's checkpoint.</param>
/// <param name="Json">Print one JSON object as the last stdout line instead of the table.</param>
/// <param name="Limit">Train on the first N training images only.</param>
/// <param name="Plots">Write the PNG plots.</param>
internal sealed record TrainOptions(
    ModelKind Model, DatasetKind? Dataset, string? DataDir, int? Epochs, int? BatchSize, double? LearningRate,
    OptimizerKind? Optimizer, ScheduleKind Schedule, ulong Seed, int? Threads, string? OutDirectory, bool Resume, bool Json, int? Limit, bool Plots);

/// <summary>Builds the <c>train</c> verb.</summary>
internal static class TrainCommand
{
    /// <summary>The model trained when --model is not given.</summary>
    public const ModelKind DefaultModel = ModelKind.Mlp;

    public static Command Create(CliHooks hooks)
    {
        var model = OptionParsing.Choice("--model", ClassifierCatalog.ModelNames,
            $"Architecture (default {ClassifierCatalog.Name(DefaultModel)}): mlp 784-256-128-10; lenet LeNet-5; cnn conv-BatchNorm-ReLU blocks with dropout");
        var dataset = OptionParsing.Choice("--dataset", DatasetChoice.Names,
            "Dataset (default: the full Fashion-MNIST when installed, otherwise the embedded 2,000-image subset)");
        var data = new Option<string>("--data") { Description = $"Folder holding the dataset's IDX files (also ${Data.MnistFamily.DataVariable}, then /usr/share/datasets)", HelpName = "DIR" };
        var epochs = OptionParsing.OptionalPositiveInt("--epochs", "Epochs in all, counting a resumed run's (default: mlp 3, lenet 1, cnn 1 on a full dataset; mlp 10, lenet 10, cnn 3 on the embedded subset)");
        var batch = OptionParsing.OptionalPositiveInt("--batch-size", "Training batch size (default 64)");
        var lr = OptionParsing.OptionalPositiveDouble("--lr", "Learning rate, or the starting rate of a schedule (default: 0.05 with sgd, 0.001 with adam and adamw)");
        var optimizer = OptionParsing.Choice("--optimizer", ClassifierCatalog.OptimizerNames,
            "Optimizer (default: sgd with momentum 0.9 for mlp and lenet, adam for cnn; adamw decays weights by 0.01)");
        var schedule = OptionParsing.Choice("--schedule", ClassifierCatalog.ScheduleNames,
            "Learning-rate schedule, stepped once per epoch (default constant): cosine anneals from --lr to 0 over --epochs");
        var seed = OptionParsing.Seed("Seed of the run (printed); separate generators for initial weights, data order and dropout derive from it");
        var threads = OptionParsing.OptionalPositiveInt("--threads", "Threads for the kernels (default: all cores); results do not depend on it");
        var output = new Option<string>("--out") { Description = "Run folder (default runs/<model>-<dataset>-seed<S>)", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's checkpoint.safetensors (same options required)" };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object (test_accuracy, test_loss, epochs, seconds, seed, run, …) instead of the table" };
        var limit = OptionParsing.OptionalPositiveInt("--limit", "Train on the first N training images only (the test split stays whole)");
        var noPlots = new Option<bool>("--no-plots") { Description = "Do not write the PNG plots" };

        var command = new Command("train", "Train an image classifier on Fashion-MNIST or MNIST; write metrics, plots, the model and a checkpoint")
        {
            model, dataset, data, epochs, batch, lr, optimizer, schedule, seed, threads, output, resume, json, limit, noPlots,
        };
        command.SetAction(parse =>
        {
            var options = new TrainOptions(
                parse.GetValue(model) ?? DefaultModel, parse.GetValue(dataset), parse.GetValue(data), parse.GetValue(epochs),
                parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(optimizer), parse.GetValue(schedule) ?? ScheduleKind.Constant, parse.GetValue(seed), parse.GetValue(threads),
                parse.GetValue(output), parse.GetValue(resume), parse.GetValue(json), parse.GetValue(limit), !parse.GetValue(noPlots));
            return TrainRunner.Run(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, hooks);
        });
        return command;
    }
}
