using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cajal.Optim;

/// <summary>Reads and writes scheduler state values; non-finite numbers are written as the strings "Infinity", "-Infinity" and "NaN", as in the golden files.</summary>
internal static class SchedulerJson
{
    public static JsonNode Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");

    public static JsonArray Array(IEnumerable<double> values) => [.. values.Select(Number)];

    public static JsonArray Array(IEnumerable<int> values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];

    private static JsonNode Node(JsonObject state, string key, string op) =>
        state[key] ?? throw new ArgumentException($"{op}: the state has no '{key}'.");

    public static double Double(JsonObject state, string key, string op) => ToDouble(Node(state, key, op), key, op);

    private static double ToDouble(JsonNode node, string key, string op)
    {
        try
        {
            if (node.GetValueKind() == JsonValueKind.String)
            {
                return node.GetValue<string>() switch
                {
                    "Infinity" => double.PositiveInfinity,
                    "-Infinity" => double.NegativeInfinity,
                    "NaN" => double.NaN,
                    var s => throw new ArgumentException($"{op}: '{key}' holds the text '{s}', not a number."),
                };
            }
            return node.GetValue<double>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ArgumentException($"{op}: '{key}' is not a number.", e);
        }
    }

    public static int Int(JsonObject state, string key, string op)
    {
        double v = Double(state, key, op);
        if (v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue) throw new ArgumentException($"{op}: '{key}' is {v}, not an integer.");
        return (int)v;
    }

    public static bool Bool(JsonObject state, string key, string op)
    {
        var node = Node(state, key, op);
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ArgumentException($"{op}: '{key}' is not true or false."),
        };
    }

    public static string String(JsonObject state, string key, string op)
    {
        var node = Node(state, key, op);
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw new ArgumentException($"{op}: '{key}' is not a string.");
    }

    public static double[] Doubles(JsonObject state, string key, string op) =>
        Node(state, key, op) is JsonArray a
            ? [.. a.Select((n, i) => n is null ? throw new ArgumentException($"{op}: '{key}'[{i}] is null.") : ToDouble(n, $"{key}[{i}]", op))]
            : throw new ArgumentException($"{op}: '{key}' is not a list.");

    public static int[] Ints(JsonObject state, string key, string op)
    {
        var values = Doubles(state, key, op);
        foreach (var v in values)
            if (v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue) throw new ArgumentException($"{op}: '{key}' holds {v}, not an integer.");
        return [.. values.Select(v => (int)v)];
    }
}
