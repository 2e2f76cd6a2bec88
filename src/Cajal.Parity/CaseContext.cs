using System.Text.Json;

namespace Cajal.Parity;

/// <summary>Thrown when a case names an attribute value or input combination that Cajal does not support.</summary>
public sealed class UnsupportedCaseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedCaseException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public UnsupportedCaseException() { }

    /// <summary>Creates the exception with an inner exception.</summary>
    public UnsupportedCaseException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A golden case's inputs as Cajal tensors (float inputs require grad) and typed access to its attributes.</summary>
public sealed class CaseContext
{
    private readonly Dictionary<string, Tensor> _inputs = [];

    /// <summary>Wraps a case, converting every input to a tensor.</summary>
    public CaseContext(GoldenCase goldenCase)
    {
        ArgumentNullException.ThrowIfNull(goldenCase);
        Case = goldenCase;
        foreach (var (name, tensor) in goldenCase.Inputs ?? new Dictionary<string, GoldenTensor>())
        {
            var t = tensor.ToTensor();
            if (t.DType == DType.Float64) t.RequiresGrad = true;
            _inputs[name] = t;
        }
    }

    /// <summary>The case being run.</summary>
    public GoldenCase Case { get; }

    /// <summary>The input tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs => _inputs;

    /// <summary>A required input.</summary>
    public Tensor Input(string name) =>
        _inputs.TryGetValue(name, out var t) ? t : throw new FormatException($"case {Case.Name}: missing input '{name}'");

    /// <summary>An optional input, or null when absent.</summary>
    public Tensor? OptionalInput(string name) => _inputs.GetValueOrDefault(name);

    private JsonElement? Raw(string name) =>
        Case.Attributes.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    /// <summary>Whether the attribute is present and not null.</summary>
    public bool Has(string name) => Raw(name) is not null;

    /// <summary>A numeric attribute, or <paramref name="fallback"/> when absent.</summary>
    public double Double(string name, double? fallback = null) =>
        Raw(name) is JsonElement e ? e.GetDouble() : fallback ?? throw new FormatException($"case {Case.Name}: missing attribute '{name}'");

    /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
    public int Int(string name, int? fallback = null) =>
        Raw(name) is JsonElement e ? e.GetInt32() : fallback ?? throw new FormatException($"case {Case.Name}: missing attribute '{name}'");

    /// <summary>A boolean attribute, or <paramref name="fallback"/> when absent.</summary>
    public bool Bool(string name, bool? fallback = null) =>
        Raw(name) is JsonElement e ? e.GetBoolean() : fallback ?? throw new FormatException($"case {Case.Name}: missing attribute '{name}'");

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string? fallback = null) =>
        Raw(name) is JsonElement e ? e.GetString()! : fallback ?? throw new FormatException($"case {Case.Name}: missing attribute '{name}'");

    /// <summary>An attribute that is null, an int or a list of ints (as <c>dim</c>); null when absent or null.</summary>
    public int[]? Dims(string name)
    {
        if (Raw(name) is not JsonElement e) return null;
        return e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(x => x.GetInt32())] : [e.GetInt32()];
    }

    /// <summary>An int-list attribute such as <c>stride</c>; a single int is repeated <paramref name="count"/> times.</summary>
    public int[] IntList(string name, int count = 2)
    {
        var dims = Dims(name) ?? throw new FormatException($"case {Case.Name}: missing attribute '{name}'");
        return dims.Length == 1 && count > 1 ? Enumerable.Repeat(dims[0], count).ToArray() : dims;
    }
}
