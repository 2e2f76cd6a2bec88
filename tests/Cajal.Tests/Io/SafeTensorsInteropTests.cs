using System.Text.Json;
using Cajal.Io;
using Cajal.Nn;
using static Cajal.Tests.Io.IoTestFiles;

namespace Cajal.Tests.Io;

/// <summary>Files written by PyTorch load in Cajal, and Cajal's files are the bytes a Python reader was checked on.</summary>
/// <remarks>Fixtures/gen_fixtures.py made torch_reference.*; `gen_fixtures.py --check` read cajal_written.safetensors.</remarks>
public class SafeTensorsInteropTests
{
    /// <summary>The content of cajal_written.safetensors; gen_fixtures.py's cajal_expected() builds the same in torch.</summary>
    internal static (Dictionary<string, Tensor>, Dictionary<string, string>) CajalWrittenFixture() => (
        new Dictionary<string, Tensor>
        {
            ["layer.weight"] = Tensor.Arange(0, 12, dtype: DType.Float32).Reshape(3, 4) * 0.25 - 1,
            ["layer.bias"] = Tensor.FromArray(new[] { 0.1, -2.5, 1e300, double.NegativeInfinity }, 4),
            ["steps"] = Tensor.FromArray(new long[] { 1, -2, 1L << 62 }, 3),
            ["scale"] = Tensor.Scalar(3.5),
            ["transposed"] = (Tensor.Arange(0, 6, dtype: DType.Float32).Reshape(2, 3) - 2.5).Transpose(0, 1),
        },
        new Dictionary<string, string> { ["epoch"] = "3", ["note"] = "written by Cajal", ["名前"] = "値" });

    [Fact]
    public void A_file_written_with_PyTorch_loads_with_every_value_exact()
    {
        var file = SafeTensors.Load(Fixture("torch_reference.safetensors"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture("torch_reference.json")));
        var tensors = expected.RootElement.GetProperty("tensors");
        Assert.Equal(tensors.EnumerateObject().Count(), file.Tensors.Count);
        foreach (var entry in tensors.EnumerateObject())
        {
            var t = file.Tensors[entry.Name];
            var dtype = entry.Value.GetProperty("dtype").GetString();
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            Assert.Equal(new Shape(shape), t.Shape);
            var values = entry.Value.GetProperty("values").EnumerateArray().ToList();
            switch (dtype)
            {
                case "F32" or "F16" or "BF16":
                    Assert.Equal(DType.Float32, t.DType);
                    Assert.Equal(values.Select(v => (float)v.GetDouble()), t.ToArray<float>());
                    break;
                case "F64":
                    Assert.Equal(DType.Float64, t.DType);
                    Assert.Equal(values.Select(v => v.GetDouble()), t.ToArray<double>());
                    break;
                default:
                    Assert.Equal(DType.Int64, t.DType);
                    Assert.Equal(values.Select(v => v.GetInt64()), t.ToArray<long>());
                    break;
            }
        }
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["source"] = "gen_fixtures.py, torch 1.13.0a0" }, file.Metadata);
        // The reference writer orders the data by alignment, then name: 8-byte types first.
        Assert.Equal("bn.num_batches_tracked", file.Tensors.Keys.First());
        Assert.Equal(-0f, file.Tensors["half"].ToArray<float>()[4]);
        Assert.True(float.IsNegative(file.Tensors["half"].ToArray<float>()[4]));
    }

    [Fact]
    public void Cajal_writes_the_exact_bytes_that_the_Python_reader_was_checked_on()
    {
        var (tensors, metadata) = CajalWrittenFixture();
        var bytes = SaveToBytes(tensors, metadata);
        var path = Fixture("cajal_written.safetensors");
        if (Environment.GetEnvironmentVariable("CAJAL_WRITE_IO_FIXTURES") == "1")
            File.WriteAllBytes(path, bytes);   // then run `python3 gen_fixtures.py --check` on it
        Assert.Equal(File.ReadAllBytes(path), bytes);
    }

    private static Sequential Mlp(ulong seed) =>
        new(new Linear(3, 4, generator: new Generator(seed)), new BatchNorm1d(4), new ReLU(), new Linear(4, 2, generator: new Generator(seed + 1)));

    private static Tensor Matrix(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToList();
        return Tensor.FromArray(list.SelectMany(r => r).ToArray(), list.Count, list[0].Length);
    }

    [Fact]
    public void A_PyTorch_state_dict_loads_into_the_equivalent_Cajal_model_and_gives_PyTorchs_output()
    {
        var file = SafeTensors.Load(Fixture("torch_mlp.safetensors"));
        Assert.Equal(["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight", "3.bias", "3.weight"],
                     file.Tensors.Keys.Order(StringComparer.Ordinal));
        var model = Mlp(seed: 1);
        var result = model.LoadStateDict(file.Tensors);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        model.Eval();

        using var golden = JsonDocument.Parse(File.ReadAllText(Fixture("torch_mlp.json")));
        var output = model.Forward(Matrix(golden.RootElement.GetProperty("input")));
        var expected = Matrix(golden.RootElement.GetProperty("output")).ToArray<float>();
        var actual = output.ToArray<float>();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"output[{i}]: {actual[i]} vs PyTorch {expected[i]}");
    }

    [Fact]
    public void A_Cajal_model_saved_and_loaded_into_a_fresh_one_computes_the_same_outputs()
    {
        using var folder = new TempFolder();
        var trained = Mlp(seed: 10);
        trained.LoadStateDict(SafeTensors.Load(Fixture("torch_mlp.safetensors")).Tensors);   // non-default buffers too
        var path = folder.File("mlp.safetensors");
        SafeTensors.Save(path, trained.StateDict(), new Dictionary<string, string> { ["format"] = "pt" });

        var fresh = Mlp(seed: 20);
        fresh.LoadStateDict(SafeTensors.Load(path).Tensors);
        foreach (var (name, t) in trained.StateDict()) AssertBitEqual(t, fresh.StateDict()[name]);
        var x = Tensor.RandN([6, 3], new Generator(3));
        Assert.Equal(trained.Eval().Forward(x).ToArray<float>(), fresh.Eval().Forward(x).ToArray<float>());
    }
}
