using System.Globalization;
using System.Text.Json;

namespace Cajal.Parity;

/// <summary>The outcome of one case.</summary>
/// <param name="File">The golden file's name.</param>
/// <param name="Name">The case name.</param>
/// <param name="Op">The op.</param>
/// <param name="Status">Passed, Failed or Skipped.</param>
/// <param name="Message">For failures: what differed, with the worst element; for skips: why.</param>
public sealed record CaseResult(string File, string Name, string Op, CaseStatus Status, string? Message);

/// <summary>Whether a case passed, failed or was skipped.</summary>
public enum CaseStatus
{
    /// <summary>All outputs and gradients matched.</summary>
    Passed,

    /// <summary>Something differed or threw.</summary>
    Failed,

    /// <summary>Cajal does not have the op (yet).</summary>
    Skipped,
}

/// <summary>Runs every golden file in a folder against Cajal and reports the differences.</summary>
/// <remarks>
/// Outputs and gradients are compared in float64 with |actual − expected| ≤ atol + rtol·|expected| (rtol 1e-9,
/// atol 1e-12, from the golden README); NaN matches NaN and an infinity matches the same infinity.
/// </remarks>
public static class ParityRunner
{
    /// <summary>Relative tolerance for outputs and gradients.</summary>
    public const double Rtol = 1e-9;

    /// <summary>Absolute tolerance for outputs and gradients.</summary>
    public const double Atol = 1e-12;

    /// <summary>Runs the folder, prints failures, skips by op and the summary line; returns 0 when nothing failed, 1 otherwise.</summary>
    public static int Run(string directory, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var results = RunDirectory(directory);
        foreach (var r in results.Where(r => r.Status == CaseStatus.Failed))
            output.WriteLine($"FAIL {r.Name} ({r.File}): {r.Message}");
        foreach (var group in results.Where(r => r.Status == CaseStatus.Skipped).GroupBy(r => r.Op).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"skipped {group.Count()} case(s) of op '{group.Key}': {group.First().Message}");
        int passed = results.Count(r => r.Status == CaseStatus.Passed);
        int failed = results.Count(r => r.Status == CaseStatus.Failed);
        int skipped = results.Count(r => r.Status == CaseStatus.Skipped);
        output.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        return failed > 0 ? 1 : 0;
    }

    /// <summary>Runs every <c>*.json</c> file of the folder (sorted by name) and returns one result per case.</summary>
    public static IReadOnlyList<CaseResult> RunDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"parity: golden folder '{directory}' does not exist");
        var files = Directory.GetFiles(directory, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new FileNotFoundException($"parity: no golden files (*.json) in '{directory}'");
        var results = new List<CaseResult>();
        foreach (var path in files) results.AddRange(RunFile(path));
        return results;
    }

    /// <summary>Runs one golden file.</summary>
    public static IReadOnlyList<CaseResult> RunFile(string path)
    {
        string fileName = Path.GetFileName(path);
        string text = File.ReadAllText(path);
        using (var doc = JsonDocument.Parse(text))
        {
            var root = doc.RootElement;
            if (root.TryGetProperty("schema", out var schema))
            {
                if (schema.GetString() == GoldenYolo.Schema) return [GoldenYolo.RunCase(fileName, root)];
                // A single-case file of another golden format: its op is not in this runner yet.
                string name = root.TryGetProperty("name", out var n) ? n.GetString() ?? fileName : fileName;
                return [new CaseResult(fileName, name, OpOfSchema(schema.GetString()), CaseStatus.Skipped, $"format '{schema.GetString()}' is not supported yet")];
            }
        }
        var file = JsonSerializer.Deserialize<GoldenFile>(text, GoldenFile.JsonOptions)
            ?? throw new FormatException($"parity: {fileName} is empty");
        if (!file.Format.StartsWith("pytorch-golden/", StringComparison.Ordinal))
            throw new FormatException($"parity: {fileName} has format '{file.Format}', expected pytorch-golden/1");
        return [.. file.Cases.Select(c => RunCase(fileName, c))];
    }

    private static string OpOfSchema(string? schema) => schema switch
    {
        "yolov3-loss-golden/1" => "yolov3_loss",
        _ => schema ?? "unknown",
    };

    /// <summary>Runs one case: forward, backward of Σ outputs·upstream, and the comparisons.</summary>
    public static CaseResult RunCase(string fileName, GoldenCase goldenCase)
    {
        ArgumentNullException.ThrowIfNull(goldenCase);
        if (goldenCase.Op.StartsWith(GoldenOptim.Prefix, StringComparison.Ordinal)) return GoldenOptim.RunCase(fileName, goldenCase);
        if (!GoldenOps.All.TryGetValue(goldenCase.Op, out var op))
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Skipped, "Cajal does not implement this op yet");
        try
        {
            var context = new CaseContext(goldenCase);
            var outputs = op(context);
            var problems = new List<string>();
            foreach (var (name, expected) in goldenCase.Outputs ?? new Dictionary<string, GoldenTensor>())
            {
                if (!outputs.TryGetValue(name, out var actual)) { problems.Add($"output '{name}' was not produced"); continue; }
                Compare($"output '{name}'", actual, expected, problems);
            }
            if (goldenCase.Grads is { Count: > 0 } grads)
            {
                Tensor? total = null;
                foreach (var (name, upstream) in goldenCase.Upstream ?? new Dictionary<string, GoldenTensor>())
                {
                    if (!outputs.TryGetValue(name, out var output) || !output.RequiresGrad) continue;
                    var term = (output * upstream.ToTensor()).Sum();
                    total = total is null ? term : total + term;
                }
                total?.Backward();
                foreach (var (name, expected) in grads)
                {
                    var input = context.Input(name);
                    var grad = input.Grad ?? Tensor.ZerosLike(input);
                    Compare($"grad '{name}'", grad, expected, problems);
                }
            }
            return problems.Count == 0
                ? new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Passed, null)
                : new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Failed, string.Join("; ", problems));
        }
        catch (UnsupportedCaseException e)
        {
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Skipped, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Compares element-wise and records the worst element when the tolerance is exceeded.</summary>
    internal static void Compare(string what, Tensor actual, GoldenTensor expected, List<string> problems, double rtol = Rtol, double atol = Atol)
    {
        int[] shape = [.. expected.Shape];
        if (!actual.Shape.ToArray().AsSpan().SequenceEqual(shape))
        {
            problems.Add($"{what}: shape {actual.Shape} but expected {new Shape(shape)}");
            return;
        }
        var a = actual.ToDoubleArray();
        var e = expected.Data;
        int worst = -1;
        double worstRatio = 1.0;
        for (int i = 0; i < a.Length; i++)
        {
            double ratio = Ratio(a[i], e[i], rtol, atol);
            if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
        }
        if (worst >= 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{what}: worst element [{worst}] is {a[worst]:R}, expected {e[worst]:R} (|diff| {Math.Abs(a[worst] - e[worst]):G3}, {worstRatio:G3}× the tolerance)"));
        }
    }

    /// <summary>|a − e| / (atol + rtol·|e|); 0 for matching non-finite values, ∞ for mismatched ones.</summary>
    private static double Ratio(double actual, double expected, double rtol, double atol)
    {
        if (double.IsNaN(expected) || double.IsNaN(actual))
            return double.IsNaN(expected) && double.IsNaN(actual) ? 0 : double.PositiveInfinity;
        if (double.IsInfinity(expected) || double.IsInfinity(actual))
            return actual == expected ? 0 : double.PositiveInfinity;
        return Math.Abs(actual - expected) / (atol + rtol * Math.Abs(expected));
    }
}
