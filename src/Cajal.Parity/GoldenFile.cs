using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cajal.Parity;

/// <summary>One golden file in the <c>pytorch-golden/1</c> format (see the golden folder's README).</summary>
public sealed class GoldenFile
{
    /// <summary>The format tag, <c>pytorch-golden/1</c>.</summary>
    public string Format { get; set; } = "";

    /// <summary>Which set the file belongs to (shared or held out).</summary>
    public string Set { get; set; } = "";

    /// <summary>The op group, e.g. <c>losses</c>.</summary>
    public string Group { get; set; } = "";

    /// <summary>The PyTorch version that computed the values.</summary>
    public string TorchVersion { get; set; } = "";

    /// <summary>The floating-point type of the values.</summary>
    public string Dtype { get; set; } = "";

    /// <summary>The cases.</summary>
    public IList<GoldenCase> Cases { get; init; } = [];

    /// <summary>JSON options that read the format: snake_case names and the strings "NaN", "Infinity", "-Infinity".</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>One case: an op, its attributes, inputs, outputs, upstream gradients and expected gradients.</summary>
public sealed class GoldenCase
{
    /// <summary>Unique name, <c>op/description</c>.</summary>
    public string Name { get; set; } = "";

    /// <summary>The operation.</summary>
    public string Op { get; set; } = "";

    /// <summary>Tags such as <c>edge</c>, <c>nonsmooth</c>, <c>nonfinite</c>.</summary>
    public IList<string>? Tags { get; init; }

    /// <summary>Free-text notes.</summary>
    public string? Notes { get; set; }

    /// <summary>The op's non-tensor arguments.</summary>
    public IDictionary<string, JsonElement> Attributes { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Input tensors by name.</summary>
    public IDictionary<string, GoldenTensor>? Inputs { get; init; }

    /// <summary>Expected outputs by name.</summary>
    public IDictionary<string, GoldenTensor>? Outputs { get; init; }

    /// <summary>Upstream gradient for each differentiable output.</summary>
    public IDictionary<string, GoldenTensor>? Upstream { get; init; }

    /// <summary>Expected gradient for each differentiable input.</summary>
    public IDictionary<string, GoldenTensor>? Grads { get; init; }

    /// <summary>Optimizer cases: the parameters before the first step.</summary>
    public IList<GoldenTensor>? ParamsBefore { get; init; }

    /// <summary>Optimizer cases: the gradient of each parameter at each step.</summary>
    public IList<IList<GoldenTensor>>? StepGrads { get; init; }

    /// <summary>Optimizer cases: the parameters after each step.</summary>
    public IList<IList<GoldenTensor>>? ParamsAfter { get; init; }
}

/// <summary>A tensor in a golden file: dtype, shape and flat row-major data.</summary>
public sealed class GoldenTensor
{
    /// <summary><c>float64</c> or <c>int64</c>.</summary>
    public string Dtype { get; set; } = "";

    /// <summary>The shape (empty for a scalar).</summary>
    public IList<int> Shape { get; init; } = [];

    /// <summary>The values, row-major.</summary>
    public IList<double> Data { get; init; } = [];

    /// <summary>Converts to a Cajal tensor (Float64 or Int64).</summary>
    public Tensor ToTensor()
    {
        int[] shape = [.. Shape];
        if (Data.Count != shape.Aggregate(1, (a, b) => a * b))
            throw new FormatException($"tensor of shape ({string.Join(", ", shape)}) has {Data.Count} values");
        var flat = Dtype switch
        {
            "int64" => Tensor.FromArray(Data.Select(v => (long)v).ToArray()),
            "float64" => Tensor.FromArray(Data.ToArray()),
            _ => throw new FormatException($"unknown tensor dtype '{Dtype}'"),
        };
        return flat.Reshape(shape).Contiguous();
    }
}
