using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cajal.Optim;

/// <summary>
/// An optimizer's state: per-parameter tensors (momentum buffers, moment averages, step counts) and the
/// groups' options, split so that a checkpoint can store the tensors in safetensors and the rest as JSON.
/// </summary>
/// <param name="Tensors">
/// State tensors keyed <c>state.{index}.{name}</c>, as PyTorch's <c>state[index][name]</c>: index numbers
/// the parameters across all groups in order; names are PyTorch's (<c>momentum_buffer</c>, <c>exp_avg</c>,
/// <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>, <c>square_avg</c>, <c>grad_avg</c>, <c>sum</c>, <c>step</c>).
/// Step counts are 0-dim float64 tensors; the others have their parameter's shape and dtype.
/// </param>
/// <param name="Metadata">The optimizer's type and its groups' options (JSON-serialisable).</param>
public sealed record OptimizerStateDict(IReadOnlyDictionary<string, Tensor> Tensors, OptimizerMetadata Metadata);

/// <summary>The JSON-serialisable part of an <see cref="OptimizerStateDict"/>.</summary>
/// <param name="Optimizer">The optimizer's type name, e.g. <c>Adam</c>.</param>
/// <param name="ParamGroups">One entry per parameter group, in order.</param>
public sealed record OptimizerMetadata(string Optimizer, IReadOnlyList<ParamGroupMetadata> ParamGroups)
{
    /// <summary>Options for <see cref="JsonSerializer"/> that read and write this record.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The metadata as JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads metadata written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not valid metadata.</exception>
    public static OptimizerMetadata FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<OptimizerMetadata>(json, JsonOptions)
                ?? throw new FormatException("Optimizer metadata: the JSON is null.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"Optimizer metadata: {e.Message}", e);
        }
    }
}

/// <summary>One parameter group in an <see cref="OptimizerMetadata"/>.</summary>
/// <param name="Params">The indices (as in the <c>state.{index}</c> keys) of the group's parameters.</param>
/// <param name="Options">The group's options with PyTorch's snake_case names (<c>lr</c>, <c>weight_decay</c>, …), plus <c>initial_lr</c> once a scheduler set it.</param>
public sealed record ParamGroupMetadata(IReadOnlyList<int> Params, JsonObject Options);
