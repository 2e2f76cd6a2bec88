using System.Text.Json;

namespace Cajal.Examples.Article;

/// <summary>PyTorch's float64 run of the article's network, read from <c>article_net.json</c>.</summary>
/// <remarks>
/// The file lives in <c>shared/golden/pytorch</c>, a sibling folder of the repository (where CI puts it);
/// see that folder's README, section "The article's net".
/// </remarks>
public sealed class ArticleGolden
{
    /// <summary>The environment variable that names the golden folder explicitly.</summary>
    public const string DirectoryVariable = "CAJAL_GOLDEN_DIR";

    /// <summary>The file name of the article network's golden case.</summary>
    public const string FileName = "article_net.json";

    private ArticleGolden(JsonElement testCase)
    {
        var inputs = testCase.GetProperty("inputs");
        var outputs = testCase.GetProperty("outputs");
        X = ReadMatrix(inputs.GetProperty(nameof(X)));   // the JSON key is "X", as the property
        Y = ReadMatrix(inputs.GetProperty("y"));
        W1 = ReadMatrix(inputs.GetProperty("w0"));
        W2 = ReadMatrix(inputs.GetProperty("w1"));
        LossHistory = ReadData(outputs.GetProperty("loss_history"));
        FinalW1 = ReadMatrix(outputs.GetProperty("final_w0"));
        FinalW2 = ReadMatrix(outputs.GetProperty("final_w1"));
        FinalPredictions = ReadMatrix(outputs.GetProperty("final_predictions"));
        FinalLoss = ReadData(outputs.GetProperty("final_loss"))[0];
    }

    /// <summary>Inputs X, shape (4, 3).</summary>
    public double[,] X { get; }

    /// <summary>Targets y, shape (4, 1).</summary>
    public double[,] Y { get; }

    /// <summary>Initial input-to-hidden weights (PyTorch's <c>w0</c>), shape (3, 4).</summary>
    public double[,] W1 { get; }

    /// <summary>Initial hidden-to-output weights (PyTorch's <c>w1</c>), shape (4, 1).</summary>
    public double[,] W2 { get; }

    /// <summary>The loss of each of the 1500 iterations, computed before that iteration's update.</summary>
    public double[] LossHistory { get; }

    /// <summary>W1 after training (PyTorch's <c>final_w0</c>).</summary>
    public double[,] FinalW1 { get; }

    /// <summary>W2 after training (PyTorch's <c>final_w1</c>).</summary>
    public double[,] FinalW2 { get; }

    /// <summary>Predictions at the final weights, shape (4, 1).</summary>
    public double[,] FinalPredictions { get; }

    /// <summary>The loss at the final weights.</summary>
    public double FinalLoss { get; }

    /// <summary>Reads the golden case from a file.</summary>
    /// <param name="path">Path of <c>article_net.json</c>.</param>
    /// <returns>The parsed case.</returns>
    /// <exception cref="InvalidDataException">The file has no <c>article_net</c> case.</exception>
    public static ArticleGolden Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var testCase in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            if (testCase.GetProperty("op").GetString() == "article_net")
                return new ArticleGolden(testCase);
        }
        throw new InvalidDataException($"{path} holds no case with op \"article_net\".");
    }

    /// <summary>Finds the folder holding PyTorch's golden files.</summary>
    /// <param name="startDirectories">Folders to walk up from; by default the program's folder and the current one.</param>
    /// <returns>The folder, or null when none is found.</returns>
    /// <remarks>Honours <see cref="DirectoryVariable"/> first, then searches as <see cref="SearchUpwards"/>.</remarks>
    public static string? FindDirectory(params string[] startDirectories)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
            return Directory.Exists(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        return SearchUpwards(startDirectories.Length > 0
            ? startDirectories
            : [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]);
    }

    /// <summary>Walks up from each start folder looking for <c>shared/golden/pytorch</c> or <c>../shared/golden/pytorch</c>.</summary>
    /// <param name="startDirectories">Folders to start from, tried in order.</param>
    /// <returns>The first such folder that holds <see cref="FileName"/>, or null.</returns>
    public static string? SearchUpwards(params string[] startDirectories)
    {
        foreach (var start in startDirectories)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "golden", "pytorch"),
                                                  Path.Combine(dir.FullName, "..", "shared", "golden", "pytorch") })
                {
                    if (File.Exists(Path.Combine(candidate, FileName)))
                        return Path.GetFullPath(candidate);
                }
            }
        }
        return null;
    }

    /// <summary>Loads the golden case if its folder can be found.</summary>
    /// <returns>The case, or null when no golden folder is found.</returns>
    public static ArticleGolden? TryLoad()
    {
        var dir = FindDirectory();
        return dir is null ? null : Load(Path.Combine(dir, FileName));
    }

    private static double[] ReadData(JsonElement tensor)
    {
        var data = tensor.GetProperty("data");
        var values = new double[data.GetArrayLength()];
        int k = 0;
        foreach (var value in data.EnumerateArray())
            values[k++] = value.GetDouble();
        return values;
    }

    private static double[,] ReadMatrix(JsonElement tensor)
    {
        var shape = tensor.GetProperty("shape");
        if (shape.GetArrayLength() != 2)
            throw new InvalidDataException($"Expected a 2-D tensor, got shape {shape.GetRawText()}.");
        int rows = shape[0].GetInt32(), columns = shape[1].GetInt32();
        var flat = ReadData(tensor);
        if (flat.Length != rows * columns)
            throw new InvalidDataException($"Shape {shape.GetRawText()} needs {rows * columns} values, got {flat.Length}.");
        var matrix = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                matrix[i, j] = flat[(i * columns) + j];
        }
        return matrix;
    }
}
