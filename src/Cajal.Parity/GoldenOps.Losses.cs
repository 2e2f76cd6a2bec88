using Cajal.Information;
using Cajal.Nn;

namespace Cajal.Parity;

public static partial class GoldenOps
{
    /// <summary>The losses (losses.json) and the information-theory op <c>entropy</c> (entropy.json).</summary>
    private static Dictionary<string, GoldenOp> LossOps() => new()
    {
        ["mse_loss"] = Pair((x, t, c) => Functional.MseLoss(x, t, Reduce(c))),
        ["sse_loss"] = Pair((x, t, _) => Functional.SseLoss(x, t)),
        ["l1_loss"] = Pair((x, t, c) => Functional.L1Loss(x, t, Reduce(c))),
        ["smooth_l1_loss"] = Pair((x, t, c) => Functional.SmoothL1Loss(x, t, Reduce(c), c.Double("beta", 1.0))),
        ["huber_loss"] = Pair((x, t, c) => Functional.HuberLoss(x, t, Reduce(c), c.Double("delta", 1.0))),
        ["binary_cross_entropy"] = Pair((x, t, c) => Functional.BinaryCrossEntropy(x, t, c.OptionalInput("weight"), Reduce(c))),
        ["binary_cross_entropy_with_logits"] = Pair((x, t, c) =>
            Functional.BinaryCrossEntropyWithLogits(x, t, c.OptionalInput("weight"), Reduce(c), c.OptionalInput("pos_weight"))),
        ["cross_entropy"] = Pair((x, t, c) => Functional.CrossEntropy(x, t, c.OptionalInput("weight"),
            c.Int("ignore_index", -100), Reduce(c), c.Double("label_smoothing", 0.0))),
        ["nll_loss"] = Pair((x, t, c) => Functional.NllLoss(x, t, c.OptionalInput("weight"), c.Int("ignore_index", -100), Reduce(c))),
        ["cross_entropy_vs_nll"] = CrossEntropyVsNll,
        ["kl_div"] = Pair((x, t, c) => Functional.KlDiv(x, t, c.String("reduction", "mean") switch
        {
            "none" => KlDivReduction.None,
            "mean" => KlDivReduction.Mean,
            "sum" => KlDivReduction.Sum,
            "batchmean" => KlDivReduction.BatchMean,
            var other => throw new UnsupportedCaseException($"kl_div reduction '{other}'"),
        }, c.Bool("log_target", false))),
        ["bce_clipped"] = Pair((x, t, c) => Functional.BceClipped(x, t, c.Double("eps", 1e-7))),
        ["entropy"] = Entropy,
    };

    /// <summary>A loss of inputs named <c>input</c> and <c>target</c> with one output <c>out</c>.</summary>
    private static GoldenOp Pair(Func<Tensor, Tensor, CaseContext, Tensor> f) => c => Out(f(c.Input("input"), c.Input("target"), c));

    /// <summary>The <c>reduction</c> attribute ("none", "mean" or "sum").</summary>
    private static Reduction Reduce(CaseContext c) => c.String("reduction", "mean") switch
    {
        "none" => Reduction.None,
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        var other => throw new UnsupportedCaseException($"reduction '{other}'"),
    };

    /// <summary>CrossEntropy(x, t) and NllLoss(LogSoftmax(x, 1), t) side by side, with the same weights.</summary>
    private static Dictionary<string, Tensor> CrossEntropyVsNll(CaseContext c)
    {
        Tensor x = c.Input("input"), t = c.Input("target");
        var w = c.OptionalInput("weight");
        int ignore = c.Int("ignore_index", -100);
        return new()
        {
            ["cross_entropy"] = Functional.CrossEntropy(x, t, w, ignore, Reduce(c)),
            ["nll_log_softmax"] = Functional.NllLoss(Functional.LogSoftmax(x, 1), t, w, ignore, Reduce(c)),
        };
    }

    /// <summary>Entropy, cross-entropy or KL divergence of the rows of p (and q), in nats and bits.</summary>
    private static Dictionary<string, Tensor> Entropy(CaseContext c)
    {
        var p = c.Input("p");
        Func<InformationUnit, Tensor> f = c.String("quantity") switch
        {
            "entropy" => u => InformationTheory.Entropy(p, u),
            "cross_entropy" => u => InformationTheory.CrossEntropy(p, c.Input("q"), u),
            "kl_div" => u => InformationTheory.KlDivergence(p, c.Input("q"), u),
            var other => throw new UnsupportedCaseException($"entropy quantity '{other}'"),
        };
        return new() { ["nats"] = f(InformationUnit.Nats), ["bits"] = f(InformationUnit.Bits) };
    }
}
