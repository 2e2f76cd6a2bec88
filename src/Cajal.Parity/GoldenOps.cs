using Cajal.Nn;

namespace Cajal.Parity;

/// <summary>Runs one golden case's op with Cajal and returns its outputs by name.</summary>
public delegate IReadOnlyDictionary<string, Tensor> GoldenOp(CaseContext context);

/// <summary>The golden ops Cajal implements, keyed by the golden files' op names.</summary>
/// <remarks>
/// An op missing here is reported as skipped. Each op family registers its ops in its own file
/// (a partial of this class) and is listed once in <see cref="All"/>.
/// </remarks>
public static partial class GoldenOps
{
    /// <summary>Every supported op.</summary>
    public static IReadOnlyDictionary<string, GoldenOp> All { get; } = Merge(
        CoreOps(),
        LayerOps(),
        LossOps(),
        ConvolutionOps());

    private static Dictionary<string, GoldenOp> Merge(params Dictionary<string, GoldenOp>[] groups)
    {
        var all = new Dictionary<string, GoldenOp>();
        foreach (var group in groups)
            foreach (var (name, op) in group) all.Add(name, op);   // Add: a name registered twice is a bug
        return all;
    }

    /// <summary>A single output named <c>out</c>.</summary>
    internal static Dictionary<string, Tensor> Out(Tensor t) => new() { ["out"] = t };

    /// <summary>An op of one input named <c>input</c>.</summary>
    internal static GoldenOp Unary(Func<Tensor, CaseContext, Tensor> f) => c => Out(f(c.Input("input"), c));

    /// <summary>An op of inputs named <c>input</c> and <c>other</c>.</summary>
    internal static GoldenOp Binary(Func<Tensor, Tensor, Tensor> f) => c => Out(f(c.Input("input"), c.Input("other")));

    /// <summary>Element-wise, reduction, matmul, activation ops and the article's network.</summary>
    private static Dictionary<string, GoldenOp> CoreOps() => new()
    {
        // element-wise
        ["add"] = Binary((a, b) => a + b),
        ["sub"] = Binary((a, b) => a - b),
        ["mul"] = Binary((a, b) => a * b),
        ["div"] = Binary((a, b) => a / b),
        ["pow"] = Binary((a, b) => a.Pow(b)),
        ["pow_scalar"] = Unary((x, c) => x.Pow(c.Double("exponent"))),
        ["exp"] = Unary((x, _) => x.Exp()),
        ["log"] = Unary((x, _) => x.Log()),
        ["sqrt"] = Unary((x, _) => x.Sqrt()),

        // reductions
        ["sum"] = Unary((x, c) => x.Sum(c.Dims("dim"), c.Bool("keepdim", false))),
        ["mean"] = Unary((x, c) => x.Mean(c.Dims("dim"), c.Bool("keepdim", false))),
        ["max"] = Max,

        ["matmul"] = Binary((a, b) => a.MatMul(b)),

        // activations
        ["sigmoid"] = Unary((x, _) => Functional.Sigmoid(x)),
        ["tanh"] = Unary((x, _) => Functional.Tanh(x)),
        ["relu"] = Unary((x, _) => Functional.Relu(x)),
        ["leaky_relu"] = Unary((x, c) => Functional.LeakyRelu(x, c.Double("negative_slope", 0.01))),
        ["elu"] = Unary((x, c) => Functional.Elu(x, c.Double("alpha", 1.0))),
        ["gelu"] = Unary((x, c) => Functional.Gelu(x, c.String("approximate", "none") switch
        {
            "none" => GeluApproximation.None,
            "tanh" => GeluApproximation.Tanh,
            var other => throw new UnsupportedCaseException($"gelu approximate='{other}'"),
        })),
        ["softplus"] = Unary((x, c) => Functional.Softplus(x, c.Double("beta", 1.0), c.Double("threshold", 20.0))),
        ["silu"] = Unary((x, _) => Functional.Silu(x)),
        ["softmax"] = Unary((x, c) => Functional.Softmax(x, c.Int("dim"))),
        ["log_softmax"] = Unary((x, c) => Functional.LogSoftmax(x, c.Int("dim"))),

        ["article_net"] = ArticleNet,
    };

    private static Dictionary<string, Tensor> Max(CaseContext c)
    {
        var x = c.Input("input");
        var dims = c.Dims("dim");
        if (dims is null) return Out(x.Max());
        var (values, indices) = x.Max(dims[0], c.Bool("keepdim", false));
        return new() { ["out"] = values, ["indices"] = indices };
    }

    /// <summary>The article's 3-4-1 sigmoid network trained by full-batch gradient descent on Σ(y − ŷ)².</summary>
    private static Dictionary<string, Tensor> ArticleNet(CaseContext c)
    {
        if (c.String("activation", "sigmoid") != "sigmoid" || c.Bool("bias", false))
            throw new UnsupportedCaseException("article_net supports the sigmoid network without biases");
        Tensor x = c.Input("X").Detach(), y = c.Input("y").Detach();
        Tensor w0 = c.Input("w0"), w1 = c.Input("w1");
        int iterations = c.Int("iterations");
        double lr = c.Double("lr", 1.0);

        Tensor Loss(Tensor a, Tensor b) => (y - x.MatMul(a).Sigmoid().MatMul(b).Sigmoid()).Pow(2).Sum();

        var initialLoss = Loss(w0, w1);   // recorded: the case's grads are ∂L/∂w at the initial weights
        var v0 = w0.Detach().Clone();
        var v1 = w1.Detach().Clone();
        v0.RequiresGrad = v1.RequiresGrad = true;
        var history = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            var loss = Loss(v0, v1);
            history[i] = loss.Item();
            loss.Backward();
            using (Autograd.NoGrad())
            {
                v0.AddInPlace(v0.Grad!, -lr);
                v1.AddInPlace(v1.Grad!, -lr);
            }
            v0.Grad = v1.Grad = null;
        }
        using var _ = Autograd.NoGrad();
        return new()
        {
            ["initial_loss"] = initialLoss,
            ["loss_history"] = Tensor.FromArray(history),
            ["final_w0"] = v0,
            ["final_w1"] = v1,
            ["final_predictions"] = x.MatMul(v0).Sigmoid().MatMul(v1).Sigmoid(),
            ["final_loss"] = Loss(v0, v1),
        };
    }
}
