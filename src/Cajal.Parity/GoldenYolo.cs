using System.Globalization;
using System.Text.Json;
using Cajal.Detection;
using Cajal.Nn;

namespace Cajal.Parity;

/// <summary>Runs one single-case file of the <c>yolov3-loss-golden/1</c> format (shared/golden/yolov3/README.md).</summary>
/// <remarks>
/// The case runs twice. In float64 the loss parts, totals and per-scale parts must match to relative 1e-10 and every
/// gradient element to absolute 1e-10·max(1, |g|); the assigned positions and the ignored positions must match the
/// file's debug lists. In float32 (the raw values rounded) the losses must match to relative 1e-4 and the gradient to
/// absolute 1e-4·max(1, |g|), the spec's section 12 tolerances.
/// </remarks>
public static class GoldenYolo
{
    /// <summary>The schema tag this runner reads.</summary>
    public const string Schema = "yolov3-loss-golden/1";

    /// <summary>The op name under which the cases are reported.</summary>
    public const string Op = "yolov3_loss";

    /// <summary>Runs the case of a parsed file and returns its result.</summary>
    public static CaseResult RunCase(string fileName, JsonElement root)
    {
        string name = root.TryGetProperty("name", out var n) ? n.GetString() ?? fileName : fileName;
        try
        {
            var problems = new List<string>();
            Check(root, DType.Float64, 1e-10, problems);
            Check(root, DType.Float32, 1e-4, problems);
            return new CaseResult(fileName, name, Op, problems.Count == 0 ? CaseStatus.Passed : CaseStatus.Failed,
                problems.Count == 0 ? null : string.Join("; ", problems));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CaseResult(fileName, name, Op, CaseStatus.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static void Check(JsonElement root, DType dtype, double tol, List<string> problems)
    {
        string tag = dtype == DType.Float64 ? "float64" : "float32";
        var variant = root.GetProperty("variant").GetString() switch
        {
            "keras" => YoloVariant.Keras,
            "darknet" => YoloVariant.Darknet,
            var v => throw new FormatException($"unknown variant '{v}'"),
        };
        var anchors = root.GetProperty("anchors").EnumerateArray()
            .Select(a => (a[0].GetDouble(), a[1].GetDouble())).ToArray();
        var boxes = root.GetProperty("boxes").EnumerateArray()
            .Select(img => (IReadOnlyList<GroundTruthBox>)[.. img.EnumerateArray().Select(b =>
                new GroundTruthBox(b[0].GetDouble(), b[1].GetDouble(), b[2].GetDouble(), b[3].GetDouble(), b[4].GetInt32()))])
            .ToArray();
        var scales = root.GetProperty("scales").EnumerateArray().ToArray();
        var masks = scales.Select(s => (IReadOnlyList<int>)[.. s.GetProperty("anchor_mask").EnumerateArray().Select(e => e.GetInt32())]).ToArray();
        var raws = scales.Select(s =>
        {
            int[] shape = [.. s.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())];
            double[] data = [.. s.GetProperty("raw").EnumerateArray().Select(e => e.GetDouble())];
            var t = Tensor.FromArray(data, shape).To(dtype);
            t.RequiresGrad = true;
            return t;
        }).ToArray();

        var result = Functional.YoloV3Loss(raws, anchors, masks, root.GetProperty("input_width").GetDouble(),
            root.GetProperty("input_height").GetDouble(), root.GetProperty("num_classes").GetInt32(), boxes, variant,
            root.GetProperty("ignore_thresh").GetDouble());
        result.Total.Backward();

        var expected = root.GetProperty("expected");
        CompareParts($"{tag} loss", result.XY.Item(), result.WH.Item(), result.Conf.Item(), result.Class.Item(), result.Total.Item(), expected, tol, problems);
        for (int s = 0; s < scales.Length; s++)
        {
            var p = result.Scales[s];
            CompareParts($"{tag} scale {s}", p.XY, p.WH, p.Conf, p.Class, p.Total, scales[s].GetProperty("expected_parts"), tol, problems);
            double[] want = [.. scales[s].GetProperty("expected_grad").EnumerateArray().Select(e => e.GetDouble())];
            double[] got = raws[s].Grad?.ToDoubleArray() ?? new double[want.Length];
            int worst = -1;
            double worstRatio = 1;
            for (int i = 0; i < want.Length; i++)
            {
                double ratio = Math.Abs(got[i] - want[i]) / (tol * Math.Max(1, Math.Abs(want[i])));
                if (!(ratio <= worstRatio)) { worstRatio = ratio; worst = i; }
            }
            if (worst >= 0)
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{tag} grad of scale {s}: worst element [{worst}] is {got[worst]:R}, expected {want[worst]:R} ({worstRatio:G3}× the tolerance)"));
        }
        if (dtype == DType.Float64)
        {
            ComparePositives(result.Targets.Positives, root.GetProperty("expected_positives"), problems);
            CompareIgnored(result.IgnoredPositions(), root.GetProperty("expected_ignored"), problems);
        }
    }

    private static void CompareParts(string what, double xy, double wh, double conf, double cls, double total, JsonElement expected, double rtol, List<string> problems)
    {
        foreach (var (key, actual) in new[] { ("xy", xy), ("wh", wh), ("conf", conf), ("class", cls), ("total", total) })
        {
            double e = expected.GetProperty(key).GetDouble();
            if (!(Math.Abs(actual - e) <= rtol * Math.Abs(e)))
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{what} {key}: {actual:R}, expected {e:R} (relative error {Math.Abs(actual - e) / Math.Abs(e):G3}, tolerance {rtol:G3})"));
        }
    }

    private static void ComparePositives(IReadOnlyList<YoloPositive> actual, JsonElement expected, List<string> problems)
    {
        var want = expected.EnumerateArray().Select(e =>
        {
            var t = e.GetProperty("target");
            return (Key: (e.GetProperty("scale").GetInt32(), e.GetProperty("image").GetInt32(), e.GetProperty("anchor").GetInt32(),
                    e.GetProperty("cell_y").GetInt32(), e.GetProperty("cell_x").GetInt32()),
                Global: e.GetProperty("anchor_global").GetInt32(), Gt: e.GetProperty("gt").GetInt32(),
                Classes: string.Join(",", e.GetProperty("classes").EnumerateArray().Select(c => c.GetInt32())),
                Target: new[] { t[0].GetDouble(), t[1].GetDouble(), t[2].GetDouble(), t[3].GetDouble(), e.GetProperty("box_scale").GetDouble() });
        }).ToDictionary(w => w.Key);
        if (want.Count != actual.Count)
            problems.Add($"{actual.Count} assigned positions, expected {want.Count}");
        foreach (var p in actual)
        {
            if (!want.TryGetValue((p.Scale, p.Image, p.Anchor, p.CellY, p.CellX), out var w))
            {
                problems.Add($"unexpected positive: {p}");
                continue;
            }
            double[] got = [p.Gx, p.Gy, p.Gw, p.Gh, p.Lambda];
            bool close = got.Zip(w.Target).All(z => Math.Abs(z.First - z.Second) <= 1e-12 * Math.Max(1, Math.Abs(z.Second)));
            if (p.AnchorGlobal != w.Global || p.Box != w.Gt || string.Join(",", p.Classes) != w.Classes || !close)
                problems.Add($"positive differs: {p}; expected global anchor {w.Global}, box {w.Gt}, classes [{w.Classes}], target [{string.Join(", ", w.Target.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]");
        }
    }

    private static void CompareIgnored(IReadOnlyList<YoloCell> actual, JsonElement expected, List<string> problems)
    {
        var want = expected.EnumerateArray().Select(e => new YoloCell(e.GetProperty("image").GetInt32(), e.GetProperty("scale").GetInt32(),
            e.GetProperty("anchor").GetInt32(), e.GetProperty("cell_y").GetInt32(), e.GetProperty("cell_x").GetInt32())).ToHashSet();
        var got = actual.ToHashSet();
        if (!want.SetEquals(got))
        {
            var missing = want.Except(got).Take(3).ToList();
            var extra = got.Except(want).Take(3).ToList();
            problems.Add($"ignored positions differ: {got.Count} vs {want.Count} expected; missing [{string.Join("; ", missing)}], extra [{string.Join("; ", extra)}]");
        }
    }
}
