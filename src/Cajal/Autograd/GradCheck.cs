using System.Globalization;

namespace Cajal;

/// <summary>The outcome of <see cref="GradCheck.Check"/>.</summary>
/// <param name="Passed">Whether every analytic derivative matched its numeric estimate.</param>
/// <param name="MaxError">The largest |analytic − numeric| seen.</param>
/// <param name="Failure">A description of the first mismatch, or null.</param>
public sealed record GradCheckResult(bool Passed, double MaxError, string? Failure);

/// <summary>Thrown by <see cref="GradCheck.Assert"/> when a gradient does not match finite differences.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public GradCheckException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public GradCheckException() { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public GradCheckException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Checks autograd against central finite differences in float64, as PyTorch's <c>gradcheck</c>.</summary>
/// <remarks>
/// For a function f of some float64 leaf tensors, every entry of the Jacobian computed by backward (one pass per
/// output element) is compared with (f(x + ε) − f(x − ε)) / 2ε, using |analytic − numeric| ≤ atol + rtol·|numeric|.
/// The defaults are PyTorch's: ε = 1e-6, atol = 1e-5, rtol = 1e-3.
/// </remarks>
public static class GradCheck
{
    /// <summary>Compares analytic and numeric Jacobians of <paramref name="function"/> with respect to <paramref name="inputs"/>.</summary>
    public static GradCheckResult Check(Func<Tensor> function, IReadOnlyList<Tensor> inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            var t = inputs[i];
            if (t.DType != DType.Float64) throw new ArgumentException($"GradCheck: input {i} is {t.DType}; finite differences need Float64 inputs.");
            if (!t.RequiresGrad || !t.IsLeaf) throw new ArgumentException($"GradCheck: input {i} must be a leaf with RequiresGrad = true.");
        }

        var output = Evaluate(function, record: false);
        int m = output.Count;
        var outShape = output.Shape.ToArray();
        double maxError = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            int n = input.Count;
            // Analytic: row j of the Jacobian is the gradient for a one-hot upstream at output j.
            var analytic = new double[m, n];
            for (int j = 0; j < m; j++)
            {
                foreach (var t in inputs) t.Grad = null;
                var y = Evaluate(function, record: true);
                if (!y.RequiresGrad) continue;   // the output does not depend on any input: Jacobian row is zero
                var upstream = Tensor.Zeros(outShape, DType.Float64);
                upstream.SetFromDouble(j, 1.0);
                y.Backward(upstream);
                if (input.Grad is Tensor grad)
                    for (int k = 0; k < n; k++) analytic[j, k] = grad.GetAsDouble(k);
            }
            foreach (var t in inputs) t.Grad = null;

            // Numeric: column k from central differences.
            for (int k = 0; k < n; k++)
            {
                double saved = input.GetAsDouble(k);
                input.SetFromDouble(k, saved + eps);
                var plus = Evaluate(function, record: false).ToDoubleArray();
                input.SetFromDouble(k, saved - eps);
                var minus = Evaluate(function, record: false).ToDoubleArray();
                input.SetFromDouble(k, saved);
                for (int j = 0; j < m; j++)
                {
                    double numeric = (plus[j] - minus[j]) / (2 * eps);
                    double a = analytic[j, k];
                    double error = Math.Abs(a - numeric);
                    if (double.IsNaN(error) && double.IsNaN(a) != double.IsNaN(numeric)) error = double.PositiveInfinity;
                    maxError = Math.Max(maxError, double.IsNaN(error) ? 0 : error);
                    if (error > atol + rtol * Math.Abs(numeric))
                    {
                        string msg = string.Create(CultureInfo.InvariantCulture,
                            $"GradCheck: input {i} (shape {input.Shape}), element {k}, output element {j}: analytic {a:R} vs numeric {numeric:R} (|diff| {error:G3} > atol {atol} + rtol {rtol}·|numeric|).");
                        return new GradCheckResult(false, maxError, msg);
                    }
                }
            }
        }
        return new GradCheckResult(true, maxError, null);
    }

    /// <summary>Throws <see cref="GradCheckException"/> unless <see cref="Check"/> passes with the default tolerances.</summary>
    public static void Assert(Func<Tensor> function, params Tensor[] inputs)
    {
        var result = Check(function, inputs);
        if (!result.Passed) throw new GradCheckException(result.Failure!);
    }

    private static Tensor Evaluate(Func<Tensor> function, bool record)
    {
        if (record) return function();
        using (Autograd.NoGrad()) return function();
    }
}
