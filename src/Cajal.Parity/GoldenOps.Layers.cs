using Cajal.Nn;

namespace Cajal.Parity;

public static partial class GoldenOps
{
    /// <summary>Linear, normalisation and embedding layers (functional forms).</summary>
    private static Dictionary<string, GoldenOp> LayerOps() => new()
    {
        ["linear"] = c => Out(Functional.Linear(c.Input("input"), c.Input("weight"), c.OptionalInput("bias"))),
        ["batch_norm"] = BatchNorm,
        ["layer_norm"] = c => Out(Functional.LayerNorm(c.Input("input"), c.IntList("normalized_shape", 1),
            c.OptionalInput("weight"), c.OptionalInput("bias"), c.Double("eps", 1e-5))),
        ["embedding"] = c => Out(Functional.Embedding(c.Input("input"), c.Input("weight"),
            c.Has("padding_idx") ? c.Int("padding_idx") : null)),
    };

    private static Dictionary<string, Tensor> BatchNorm(CaseContext c)
    {
        var runningMean = c.OptionalInput("running_mean")?.Detach().Clone();
        var runningVar = c.OptionalInput("running_var")?.Detach().Clone();
        var output = Functional.BatchNorm(c.Input("input"), runningMean, runningVar, c.OptionalInput("weight"), c.OptionalInput("bias"),
            training: c.Bool("training"), momentum: c.Double("momentum", 0.1), eps: c.Double("eps", 1e-5));
        var result = Out(output);
        if (runningMean is not null) result["running_mean_after"] = runningMean;
        if (runningVar is not null) result["running_var_after"] = runningVar;
        return result;
    }
}
