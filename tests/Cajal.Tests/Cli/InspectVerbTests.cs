using System.Text.Json;
using Cajal.Io;
using Cajal.Tests.Io;

namespace Cajal.Tests.Cli;

public class InspectVerbTests
{
    private static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(IoTestFiles.Fixture("torch_reference.json"))).RootElement.GetProperty("tensors").GetProperty(name);

    [Fact]
    public void Inspect_prints_one_line_per_tensor_with_the_checksum_Python_computed_then_the_metadata()
    {
        var path = IoTestFiles.Fixture("torch_reference.safetensors");
        var run = CliRunner.Run("inspect", path);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        var lines = run.Stdout.TrimEnd('\n').Split('\n');
        var header = SafeTensors.ReadHeader(path);
        Assert.Equal(header.Entries.Count + header.Metadata.Count, lines.Length);
        for (int i = 0; i < header.Entries.Count; i++)
        {
            var fields = lines[i].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var expected = Expected(header.Entries[i].Name);
            Assert.Equal(header.Entries[i].Name, fields[0]);
            Assert.Equal(expected.GetProperty("dtype").GetString(), fields[1]);
            Assert.Equal("[" + string.Join(", ", expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())) + "]", fields[2]);
            Assert.Equal(expected.GetProperty("fnv1a64").GetString(), fields[3]);
        }
        Assert.Equal("metadata  format  pt", lines[^2]);
        Assert.StartsWith("metadata  source  gen_fixtures.py", lines[^1]);
    }

    [Fact]
    public void Inspect_json_gives_the_same_facts_as_one_object()
    {
        var path = IoTestFiles.Fixture("torch_reference.safetensors");
        var run = CliRunner.Run("inspect", path, "--json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(path, root.GetProperty("file").GetString());
        Assert.Equal("fnv1a64", root.GetProperty("checksum").GetString());
        Assert.Equal(new FileInfo(path).Length, root.GetProperty("file_length").GetInt64());
        var tensors = root.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Equal(13, tensors.Count);
        foreach (var t in tensors)
        {
            var expected = Expected(t.GetProperty("name").GetString()!);
            Assert.Equal(expected.GetProperty("dtype").GetString(), t.GetProperty("dtype").GetString());
            Assert.Equal(expected.GetProperty("fnv1a64").GetString(), t.GetProperty("fnv1a64").GetString());
            Assert.Equal(expected.GetProperty("shape").GetRawText().Replace("\n", "").Replace(" ", ""),
                         t.GetProperty("shape").GetRawText().Replace("\n", "").Replace(" ", ""));
        }
        Assert.Equal("pt", root.GetProperty("metadata").GetProperty("format").GetString());
    }

    [Fact]
    public void Inspect_of_a_damaged_file_is_one_error_line_naming_the_problem_and_exit_1()
    {
        var folder = Directory.CreateTempSubdirectory("cajal-inspect-").FullName;
        try
        {
            var path = Path.Combine(folder, "cut.safetensors");
            var bytes = File.ReadAllBytes(IoTestFiles.Fixture("torch_reference.safetensors"));
            File.WriteAllBytes(path, bytes[..^3]);
            var run = CliRunner.Run("inspect", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Equal("", run.Stdout);
            Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'));
            Assert.StartsWith($"cajal: error: {path}: ", run.Stderr);
            Assert.Contains("run past the end of the data region", run.Stderr);
            Assert.DoesNotContain("   at ", run.Stderr);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Inspect_escapes_control_characters_so_each_tensor_stays_on_one_line()
    {
        var folder = Directory.CreateTempSubdirectory("cajal-inspect-").FullName;
        try
        {
            var path = Path.Combine(folder, "odd.safetensors");
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a\nb"] = Tensor.Zeros([0]) }, new Dictionary<string, string> { ["k"] = "line1\nline2" });
            var run = CliRunner.Run("inspect", path);
            Assert.Equal(0, run.ExitCode);
            // The FNV-1a 64 of no bytes is its offset basis.
            Assert.Equal(["a\\u000ab  F32  [0]  cbf29ce484222325", "metadata  k  line1\\u000aline2"], run.Stdout.TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Inspect_of_a_missing_file_is_a_runtime_error_and_without_a_file_a_usage_error()
    {
        var missing = CliRunner.Run("inspect", Path.Combine(Path.GetTempPath(), "cajal-no-such-file-" + Guid.NewGuid() + ".safetensors"));
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("cajal: error: ", missing.Stderr);
        Assert.Single(missing.Stderr.TrimEnd('\n').Split('\n'));

        var usage = CliRunner.Run("inspect");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("Usage: cajal inspect <file>", usage.Stderr);

        var bogus = CliRunner.Run("inspect", "x.safetensors", "--bogus");
        Assert.Equal(2, bogus.ExitCode);
    }

    [Fact]
    public void The_checksum_is_64_bit_FNV_1a()
    {
        // Published test vectors: FNV-1a 64 of "" and "a".
        Assert.Equal(0xcbf29ce484222325UL, Cajal.Cli.InspectCommand.Fnv1a64([]));
        Assert.Equal(0xaf63dc4c8601ec8cUL, Cajal.Cli.InspectCommand.Fnv1a64("a"u8));
        Assert.Equal(0x85944171f73967e8UL, Cajal.Cli.InspectCommand.Fnv1a64("foobar"u8));
    }
}
