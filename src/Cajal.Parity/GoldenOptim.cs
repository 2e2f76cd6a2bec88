using System.Text.Json;
using Cajal.Optim;

namespace Cajal.Parity;

/// <summary>Runs the golden optimizer cases (<c>optim.*</c>): set each step's grads, call Step, compare the parameters.</summary>
/// <remarks>
/// The case format differs from the other ops (params_before, step_grads, params_after; see the golden README).
/// Parameters are compared after every step with |a − e| ≤ atol + rtol·|e|, rtol = atol = 1e-12.
/// </remarks>
public static class GoldenOptim
{
    /// <summary>The op-name prefix of optimizer cases.</summary>
    public const string Prefix = "optim.";

    /// <summary>Relative tolerance for parameters after a step.</summary>
    public const double Rtol = 1e-12;

    /// <summary>Absolute tolerance for parameters after a step.</summary>
    public const double Atol = 1e-12;

    /// <summary>Attributes that select PyTorch implementation details, not the update rule; accepted when false or null.</summary>
    private static readonly HashSet<string> ImplementationFlags = ["foreach", "capturable", "differentiable", "fused"];

    private delegate Optimizer Factory(IReadOnlyList<Tensor> parameters, Attributes a);

    /// <summary>The optimizers, keyed by op name, built from the case's attributes (PyTorch's keyword names and defaults).</summary>
    private static readonly Dictionary<string, Factory> Factories = new()
    {
        ["optim.sgd"] = (p, a) => new Sgd(p, lr: a.Double("lr"), momentum: a.Double("momentum", 0), dampening: a.Double("dampening", 0),
            weightDecay: a.Double("weight_decay", 0), nesterov: a.Bool("nesterov", false), maximize: a.Bool("maximize", false)),
        ["optim.adam"] = (p, a) => new Adam(p, lr: a.Double("lr", 1e-3), beta1: a.Betas()[0], beta2: a.Betas()[1], eps: a.Double("eps", 1e-8),
            weightDecay: a.Double("weight_decay", 0), amsgrad: a.Bool("amsgrad", false), maximize: a.Bool("maximize", false)),
        ["optim.adamw"] = (p, a) => new AdamW(p, lr: a.Double("lr", 1e-3), beta1: a.Betas()[0], beta2: a.Betas()[1], eps: a.Double("eps", 1e-8),
            weightDecay: a.Double("weight_decay", 1e-2), amsgrad: a.Bool("amsgrad", false), maximize: a.Bool("maximize", false)),
        ["optim.rmsprop"] = (p, a) => new RmsProp(p, lr: a.Double("lr", 1e-2), alpha: a.Double("alpha", 0.99), eps: a.Double("eps", 1e-8),
            weightDecay: a.Double("weight_decay", 0), momentum: a.Double("momentum", 0), centered: a.Bool("centered", false),
            maximize: a.Bool("maximize", false)),
        ["optim.adagrad"] = (p, a) => new Adagrad(p, lr: a.Double("lr", 1e-2), lrDecay: a.Double("lr_decay", 0),
            weightDecay: a.Double("weight_decay", 0), initialAccumulatorValue: a.Double("initial_accumulator_value", 0),
            eps: a.Double("eps", 1e-10), maximize: a.Bool("maximize", false)),
    };

    /// <summary>Every optimizer op name supported.</summary>
    public static IReadOnlyCollection<string> Ops => Factories.Keys;

    /// <summary>Runs one optimizer case.</summary>
    public static CaseResult RunCase(string fileName, GoldenCase goldenCase)
    {
        ArgumentNullException.ThrowIfNull(goldenCase);
        if (!Factories.TryGetValue(goldenCase.Op, out var factory))
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Skipped, "Cajal does not implement this optimizer yet");
        try
        {
            var before = goldenCase.ParamsBefore ?? throw new FormatException($"case {goldenCase.Name}: missing params_before");
            var grads = goldenCase.StepGrads ?? throw new FormatException($"case {goldenCase.Name}: missing step_grads");
            var after = goldenCase.ParamsAfter ?? throw new FormatException($"case {goldenCase.Name}: missing params_after");
            if (grads.Count != after.Count)
                throw new FormatException($"case {goldenCase.Name}: {grads.Count} steps of grads but {after.Count} of params_after");

            var parameters = before.Select(t => t.ToTensor()).ToList();
            foreach (var p in parameters) p.RequiresGrad = true;
            var optimizer = factory(parameters, new Attributes(goldenCase));
            var problems = new List<string>();
            for (int k = 0; k < grads.Count; k++)
            {
                if (grads[k].Count != parameters.Count || after[k].Count != parameters.Count)
                    throw new FormatException($"case {goldenCase.Name}: step {k} lists {grads[k].Count} grads and {after[k].Count} parameters for {parameters.Count} parameters");
                for (int j = 0; j < parameters.Count; j++)
                    parameters[j].Grad = grads[k][j]?.ToTensor();   // a null grad: the parameter is skipped, as in PyTorch
                optimizer.Step();
                for (int j = 0; j < parameters.Count; j++)
                    ParityRunner.Compare($"step {k} param {j}", parameters[j], after[k][j], problems, Rtol, Atol);
            }
            return problems.Count == 0
                ? new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Passed, null)
                : new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Failed, string.Join("; ", problems));
        }
        catch (UnsupportedCaseException e)
        {
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Skipped, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CaseResult(fileName, goldenCase.Name, goldenCase.Op, CaseStatus.Failed, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Typed access to an optimizer case's attributes; an attribute the factory does not read makes the case unsupported.</summary>
    private sealed class Attributes
    {
        private readonly CaseContext _context;

        public Attributes(GoldenCase goldenCase)
        {
            _context = new CaseContext(goldenCase);
            Known = goldenCase.Op switch
            {
                "optim.sgd" => ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"],
                "optim.adam" or "optim.adamw" => ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
                "optim.rmsprop" => ["lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"],
                _ => ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"],
            };
            foreach (var (key, value) in goldenCase.Attributes)
            {
                if (Known.Contains(key)) continue;
                bool benign = ImplementationFlags.Contains(key) && value.ValueKind is JsonValueKind.False or JsonValueKind.Null;
                if (!benign) throw new UnsupportedCaseException($"{goldenCase.Op}: attribute '{key}' = {value.GetRawText()} is not supported");
            }
        }

        private HashSet<string> Known { get; }

        public double Double(string name, double? fallback = null) => _context.Double(name, fallback);

        public bool Bool(string name, bool fallback) => _context.Bool(name, fallback);

        public double[] Betas()
        {
            if (!_context.Case.Attributes.TryGetValue("betas", out var e) || e.ValueKind == JsonValueKind.Null) return [0.9, 0.999];
            var betas = e.EnumerateArray().Select(b => b.GetDouble()).ToArray();
            return betas.Length == 2 ? betas : throw new FormatException($"case {_context.Case.Name}: betas must hold two numbers");
        }
    }
}
