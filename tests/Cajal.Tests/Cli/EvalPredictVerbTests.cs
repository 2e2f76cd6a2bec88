using System.Text;
using System.Text.Json;
using Cajal.Cli;
using Cajal.Data;
using SkiaSharp;

namespace Cajal.Tests.Cli;

/// <summary>Trains one small model for the eval and predict tests.</summary>
public sealed class TrainedModelFixture : IDisposable
{
    private readonly TempFolder _dir = new();

    public TrainedModelFixture()
    {
        var run = CliRunner.Run(TrainTestSupport.Quick(_dir.Path, epochs: 2, limit: 512, more: "--no-plots"));
        if (run.ExitCode != 0) throw new InvalidOperationException(run.Stderr);
    }

    public string ModelFile => _dir["model.safetensors"];

    public string Folder => _dir.Path;

    public void Dispose() => _dir.Dispose();
}

public sealed class EvalPredictVerbTests(TrainedModelFixture trained) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Eval_prints_accuracy_and_the_confusion_matrix_with_class_names()
    {
        var run = CliRunner.Run("eval", "--model-file", trained.ModelFile);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("on the embedded Fashion-MNIST subset test split, 500 images", run.Stdout);
        Assert.Matches(@"accuracy \d+\.\d\d%, loss \d+\.\d{4}", run.Stdout);
        Assert.Contains("true \\ predicted", run.Stdout);
        Assert.Contains("Ankle boot", run.Stdout);
        Assert.Contains("precision", run.Stdout);
    }

    [Fact]
    public void Eval_json_agrees_with_the_model_files_test_accuracy()
    {
        var run = CliRunner.Run("eval", "--model-file", trained.ModelFile, "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Stdout);
        var confusion = json.RootElement.GetProperty("confusion");
        Assert.Equal(10, confusion.GetArrayLength());
        Assert.Equal(500, confusion.EnumerateArray().Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        double accuracy = json.RootElement.GetProperty("accuracy").GetDouble();
        var saved = double.Parse(TrainTestSupport.Metadata(trained.ModelFile)["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(saved, accuracy);
    }

    [Fact]
    public void Predict_reads_png_pgm_and_idx_and_agrees_across_formats()
    {
        using var dir = new TempFolder();
        var test = EmbeddedFashionMnist.Load(train: false);
        var pixels = test.ImageBytes(0).ToArray();   // an ankle boot
        WritePng(dir["boot.png"], pixels, 28, 28);
        WritePgm(dir["boot.pgm"], pixels, binary: true);
        WritePgm(dir["boot-text.pgm"], pixels, binary: false);
        Idx.Write(dir["three.idx"], new IdxArray([3, 28, 28], [.. test.ImageBytes(0), .. test.ImageBytes(1), .. test.ImageBytes(2)]));

        var run = CliRunner.Run("predict", "--model-file", trained.ModelFile, dir["boot.png"], dir["boot.pgm"], dir["boot-text.pgm"], dir["three.idx"], "--top-k", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var predictions = json.RootElement.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(6, predictions.Count);
        Assert.Equal(dir["three.idx"] + "#2", predictions[5].GetProperty("image").GetString());
        var tops = predictions.Select(p => p.GetProperty("top").EnumerateArray().ToList()).ToList();
        Assert.All(tops, t => Assert.Equal(2, t.Count));
        Assert.All(tops, t => Assert.True(t[0].GetProperty("probability").GetDouble() >= t[1].GetProperty("probability").GetDouble()));
        // The same pixels give the same answer whatever the format.
        var first = tops.Select(t => (t[0].GetProperty("class").GetString(), t[0].GetProperty("probability").GetDouble())).ToList();
        Assert.Equal(first[0], first[1]);
        Assert.Equal(first[0], first[2]);
        Assert.Equal(first[0], first[3]);

        var text = CliRunner.Run("predict", "--model-file", trained.ModelFile, dir["boot.png"]);
        Assert.Matches(@"boot\.png: [^,]+ \d+\.\d%, [^,]+ \d+\.\d%, [^,]+ \d+\.\d%", text.Stdout);
    }

    [Fact]
    public void Predict_names_an_image_of_the_wrong_size()
    {
        using var dir = new TempFolder();
        WritePng(dir["wide.png"], new byte[32 * 20], 32, 20);
        var run = CliRunner.Run("predict", "--model-file", trained.ModelFile, dir["wide.png"]);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("cajal: error: image '", run.Stderr);
        Assert.Contains("wide.png' is 32×20 pixels; the model takes 28×28", run.Stderr);
    }

    [Fact]
    public void Predict_and_eval_reject_files_that_are_not_cajal_models_or_images()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir["notes.txt"], "hello");
        var notImage = CliRunner.Run("predict", "--model-file", trained.ModelFile, dir["notes.txt"]);
        Assert.Equal(1, notImage.ExitCode);
        Assert.Contains("is not a PNG, PGM (P2/P5) or IDX file", notImage.Stderr);

        var checkpoint = Path.Combine(trained.Folder, "checkpoint.safetensors");
        var notModel = CliRunner.Run("eval", "--model-file", checkpoint);
        Assert.Equal(1, notModel.ExitCode);
        Assert.Contains("not a model written by 'cajal train'", notModel.Stderr);

        var missing = CliRunner.Run("eval", "--model-file", dir["nothing.safetensors"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);
    }

    [Fact]
    public void Pgm_headers_with_comments_and_16_bit_values_are_read()
    {
        using var dir = new TempFolder();
        var bytes = new List<byte>(Encoding.ASCII.GetBytes("P5\n# made by a test\n2 1\n65535\n"));
        bytes.AddRange([0xFF, 0xFF, 0x00, 0x00]);
        File.WriteAllBytes(dir["wide.pgm"], [.. bytes]);
        var (width, height, pixels) = ImageFiles.ReadPgm(dir["wide.pgm"]);
        Assert.Equal((2, 1), (width, height));
        Assert.Equal(new byte[] { 255, 0 }, pixels);

        File.WriteAllBytes(dir["short.pgm"], Encoding.ASCII.GetBytes("P5 28 28 255\n\x01\x02"));
        var e = Assert.Throws<InvalidDataException>(() => ImageFiles.ReadPgm(dir["short.pgm"]));
        Assert.Contains("truncated", e.Message);
    }

    internal static void WritePng(string path, byte[] grey, int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = grey[y * width + x];
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static void WritePgm(string path, byte[] grey, bool binary)
    {
        if (binary)
            File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("P5\n28 28\n255\n"), .. grey]);
        else
            File.WriteAllText(path, "P2\n# a test image\n28 28\n255\n" + string.Join('\n', grey.Chunk(28).Select(row => string.Join(' ', row))) + "\n");
    }
}
