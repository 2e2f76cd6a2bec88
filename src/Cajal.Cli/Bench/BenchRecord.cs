using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cajal.Cli.Bench;

/// <summary>Timing samples and their statistics, as the anchors' <c>seconds</c> object.</summary>
/// <param name="Median">Median sample (mean of the middle two for an even count, as Python's statistics.median).</param>
/// <param name="Min">Fastest sample.</param>
/// <param name="Max">Slowest sample.</param>
/// <param name="Samples">The samples in the order taken, in seconds.</param>
internal sealed record SampleStats(double Median, double Min, double Max, IReadOnlyList<double> Samples)
{
    /// <summary>The number of samples.</summary>
    public int N => Samples.Count;

    /// <summary>(max − min) / median × 100: the spread of the samples.</summary>
    public double NoisePct => Median > 0 ? 100.0 * (Max - Min) / Median : 0.0;

    public static SampleStats Of(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("SampleStats: no samples.", nameof(samples));
        var s = samples.Order().ToArray();
        int mid = s.Length / 2;
        double median = s.Length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
        return new SampleStats(median, s[0], s[^1], samples.ToArray());
    }
}

/// <summary>One line of benchmark output: what the anchors print, field for field.</summary>
/// <remarks>
/// <c>{"anchor", "workload", "threads", …extra fields…, "metrics": {…}, "seconds": {median, min, max, n, noise_pct, samples}}</c>.
/// Records without timings (env, skipped workloads) have an empty <c>seconds</c> object, as the anchors' env lines.
/// </remarks>
internal sealed class BenchRecord
{
    public BenchRecord(string anchor, string workload, int threads)
    {
        Anchor = anchor;
        Workload = workload;
        Threads = threads;
    }

    public string Anchor { get; }

    public string Workload { get; }

    public int Threads { get; }

    /// <summary>Top-level fields between <c>threads</c> and <c>metrics</c> (cfg, n, batch, images, …).</summary>
    public Dictionary<string, object?> Extra { get; init; } = [];

    public Dictionary<string, object?> Metrics { get; init; } = [];

    public SampleStats? Seconds { get; init; }

    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : double.NaN;

    /// <summary>The record as one line of JSON.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("anchor", Anchor);
            json.WriteString("workload", Workload);
            json.WriteNumber("threads", Threads);
            foreach (var (key, value) in Extra)
            {
                json.WritePropertyName(key);
                WriteValue(json, value);
            }
            json.WritePropertyName("metrics");
            WriteValue(json, Metrics);
            json.WriteStartObject("seconds");
            if (Seconds is { } s)
            {
                json.WriteNumber("median", s.Median);
                json.WriteNumber("min", s.Min);
                json.WriteNumber("max", s.Max);
                json.WriteNumber("n", s.N);
                json.WriteNumber("noise_pct", s.NoisePct);
                json.WriteStartArray("samples");
                foreach (double x in s.Samples) json.WriteNumberValue(Math.Round(x, 6));
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case double: json.WriteNullValue(); break;   // JSON has no NaN or infinity
            case float f: WriteValue(json, (double)f); break;
            case IDictionary<string, object?> map:
                json.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    json.WritePropertyName(k);
                    WriteValue(json, v);
                }
                json.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list) WriteValue(json, item);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>Reads one line of anchor or Cajal output (null for lines that are not a benchmark record).</summary>
    public static BenchRecord? Parse(string line)
    {
        line = line.Trim();
        if (!line.StartsWith('{')) return null;
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (!root.TryGetProperty("anchor", out var anchor) || !root.TryGetProperty("workload", out var workload)) return null;
        int threads = root.TryGetProperty("threads", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : 0;
        var record = new BenchRecord(anchor.GetString() ?? "", workload.GetString() ?? "", threads)
        {
            Seconds = root.TryGetProperty("seconds", out var sec) && sec.ValueKind == JsonValueKind.Object
                      && sec.TryGetProperty("samples", out var samples) && samples.GetArrayLength() > 0
                ? new SampleStats(sec.GetProperty("median").GetDouble(), sec.GetProperty("min").GetDouble(),
                    sec.GetProperty("max").GetDouble(), samples.EnumerateArray().Select(e => e.GetDouble()).ToArray())
                : null,
        };
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name is "anchor" or "workload" or "threads" or "seconds") continue;
            if (p.Name == "metrics")
            {
                if (p.Value.ValueKind == JsonValueKind.Object)
                    foreach (var m in p.Value.EnumerateObject()) record.Metrics[m.Name] = Scalar(m.Value);
            }
            else record.Extra[p.Name] = Scalar(p.Value);
        }
        return record;
    }

    private static object? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array when e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number) =>
            e.EnumerateArray().Select(x => x.GetDouble()).ToArray(),
        _ => e.GetRawText(),
    };
}
