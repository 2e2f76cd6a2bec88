using System.Text.Json;
using Cajal.Nn;

namespace Cajal.Parity;

public static partial class GoldenOps
{
    /// <summary>Convolution and pooling: conv2d, conv_transpose2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d.</summary>
    private static Dictionary<string, GoldenOp> ConvolutionOps() => new()
    {
        ["conv2d"] = Conv2d,
        ["conv_transpose2d"] = c => Out(Functional.ConvTranspose2d(
            c.Input("input"), c.Input("weight"), c.OptionalInput("bias"),
            SizeList(c, "stride"), SizeList(c, "padding"), SizeList(c, "output_padding"), SizeList(c, "dilation"), c.Int("groups", 1))),
        ["max_pool2d"] = c =>
        {
            var (values, indices) = Functional.MaxPool2dWithIndices(c.Input("input"), SizeList(c, "kernel_size")!,
                SizeList(c, "stride"), SizeList(c, "padding"), SizeList(c, "dilation"), c.Bool("ceil_mode", false));
            return new Dictionary<string, Tensor> { ["out"] = values, ["indices"] = indices };
        },
        ["avg_pool2d"] = c => Out(Functional.AvgPool2d(c.Input("input"), SizeList(c, "kernel_size")!,
            SizeList(c, "stride"), SizeList(c, "padding"), c.Bool("ceil_mode", false), c.Bool("count_include_pad", true),
            c.Has("divisor_override") ? c.Int("divisor_override") : null)),
        ["adaptive_avg_pool2d"] = c =>
        {
            var x = c.Input("input");
            return Out(Functional.AdaptiveAvgPool2d(x, OutputSize(c, x)));
        },
    };

    private static Dictionary<string, Tensor> Conv2d(CaseContext c)
    {
        Tensor input = c.Input("input"), weight = c.Input("weight");
        var bias = c.OptionalInput("bias");
        int[]? stride = SizeList(c, "stride"), dilation = SizeList(c, "dilation");
        int groups = c.Int("groups", 1);
        // padding may be PyTorch's string form: 'same' or 'valid'.
        if (c.Case.Attributes.TryGetValue("padding", out var p) && p.ValueKind == JsonValueKind.String)
        {
            var mode = p.GetString() switch
            {
                "same" => ConvPadding.Same,
                "valid" => ConvPadding.Valid,
                var other => throw new UnsupportedCaseException($"conv2d padding='{other}'"),
            };
            return Out(Functional.Conv2d(input, weight, mode, bias, stride, dilation, groups));
        }
        return Out(Functional.Conv2d(input, weight, bias, stride, SizeList(c, "padding"), dilation, groups));
    }

    /// <summary>An int or list-of-ints attribute (PyTorch's _size_2_t); null when absent or null (the op's default).</summary>
    private static int[]? SizeList(CaseContext c, string name) => c.Dims(name);

    /// <summary>output_size as [h, w]; a null entry keeps that input dimension, as PyTorch's None.</summary>
    private static int[] OutputSize(CaseContext c, Tensor input)
    {
        if (!c.Case.Attributes.TryGetValue("output_size", out var e) || e.ValueKind == JsonValueKind.Null)
            throw new FormatException($"case {c.Case.Name}: missing attribute 'output_size'");
        if (e.ValueKind == JsonValueKind.Number) return [e.GetInt32()];
        var items = e.EnumerateArray().ToList();
        var sizes = new int[items.Count];
        for (int i = 0; i < items.Count; i++)
            sizes[i] = items[i].ValueKind == JsonValueKind.Null ? input.Size(input.Rank - items.Count + i) : items[i].GetInt32();
        return sizes;
    }
}
