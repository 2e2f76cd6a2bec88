using System.Globalization;
using Cajal.Nn;

namespace Cajal.Information;

/// <summary>Entropy, cross-entropy and KL divergence of discrete probability distributions, in nats or bits.</summary>
/// <remarks>
/// <para>A distribution is a row over the <b>last</b> dimension: p of shape (…, K) holds one distribution per row, and
/// each function returns one value per row, shape (…) (a 0-dim tensor for a single distribution (K,)).</para>
/// <para>H(p) = −Σ p·ln p measures surprise: a shooter who hits 10% of the time (p = [0.1, 0.9]) has
/// H = 0.3251 nats = 0.4690 bits, one who hits 99.9% (p = [0.999, 0.001]) only 0.00791 nats = 0.01141 bits.
/// H(p, q) = −Σ p·ln q is the cost of coding p with a code built for q, and KL(p‖q) = H(p, q) − H(p) ≥ 0 is the
/// extra cost. For the one-hot target p = [0, 0, 1], q1 = [0.5, 0.4, 0.1] gives H(p, q1) = ln 10 = 2.3026 nats and
/// q2 = [0.1, 0.2, 0.7] gives −ln 0.7 = 0.3567 nats: q2 is the better prediction. Terms with p = 0 count 0
/// (0·ln 0 := 0).</para>
/// <para>Inputs are checked: every value ≥ 0 (no NaN) and every row sums to 1 within <see cref="SumTolerance"/>
/// (float64 and <c>double[]</c>) or <see cref="SumToleranceFloat32"/> (float32, whose rounding alone reaches ~1e-5
/// on long rows). The tensor forms are differentiable: ∂H/∂p = −(ln p + 1), ∂H(p, q)/∂p = −ln q, ∂H(p, q)/∂q = −p/q.</para>
/// </remarks>
public static class InformationTheory
{
    /// <summary>How far a float64 row's sum may be from 1.</summary>
    public const double SumTolerance = 1e-6;

    /// <summary>How far a float32 row's sum may be from 1.</summary>
    public const double SumToleranceFloat32 = 1e-4;

    /// <summary>The entropy H(p) = −Σ p·ln p of each distribution over the last dim.</summary>
    /// <remarks>Shape: p (…, K) → (…).</remarks>
    public static Tensor Entropy(Tensor p, InformationUnit unit = InformationUnit.Nats)
    {
        RequireDistributions(p, "Entropy", "p");
        return InUnit(-XLogYOp.Apply(p, p).Sum(-1), unit);
    }

    /// <summary>The cross-entropy H(p, q) = −Σ p·ln q of each pair of rows over the last dim.</summary>
    /// <remarks>Shape: p and q (…, K), the same shape → (…). Infinite where q = 0 and p &gt; 0.</remarks>
    public static Tensor CrossEntropy(Tensor p, Tensor q, InformationUnit unit = InformationUnit.Nats)
    {
        RequirePair(p, q, "CrossEntropy");
        return InUnit(-XLogYOp.Apply(p, q).Sum(-1), unit);
    }

    /// <summary>The Kullback–Leibler divergence KL(p‖q) = Σ p·ln p − Σ p·ln q = H(p, q) − H(p) of each pair of rows.</summary>
    /// <remarks>Shape: p and q (…, K), the same shape → (…). Zero exactly when p = q; not symmetric in p and q.</remarks>
    public static Tensor KlDivergence(Tensor p, Tensor q, InformationUnit unit = InformationUnit.Nats)
    {
        RequirePair(p, q, "KlDivergence");
        return InUnit((XLogYOp.Apply(p, p) - XLogYOp.Apply(p, q)).Sum(-1), unit);
    }

    /// <summary>The entropy H(p) = −Σ pᵢ·ln pᵢ of one distribution.</summary>
    public static double Entropy(double[] p, InformationUnit unit = InformationUnit.Nats)
    {
        RequireDistribution(p, "Entropy", "p");
        double h = 0;
        foreach (double pi in p)
            if (pi > 0) h -= pi * Math.Log(pi);   // 0·ln 0 := 0
        return InUnit(h, unit);
    }

    /// <summary>The cross-entropy H(p, q) = −Σ pᵢ·ln qᵢ of two distributions.</summary>
    public static double CrossEntropy(double[] p, double[] q, InformationUnit unit = InformationUnit.Nats)
    {
        RequirePair(p, q, "CrossEntropy");
        double h = 0;
        for (int i = 0; i < p.Length; i++)
            if (p[i] > 0) h -= p[i] * Math.Log(q[i]);
        return InUnit(h, unit);
    }

    /// <summary>The KL divergence KL(p‖q) = Σ pᵢ·ln(pᵢ/qᵢ) of two distributions.</summary>
    public static double KlDivergence(double[] p, double[] q, InformationUnit unit = InformationUnit.Nats)
    {
        RequirePair(p, q, "KlDivergence");
        double kl = 0;
        for (int i = 0; i < p.Length; i++)
            if (p[i] > 0) kl += p[i] * Math.Log(p[i]) - p[i] * Math.Log(q[i]);
        return InUnit(kl, unit);
    }

    private static Tensor InUnit(Tensor nats, InformationUnit unit) => unit switch
    {
        InformationUnit.Nats => nats,
        InformationUnit.Bits => nats / Math.Log(2),
        _ => throw new ArgumentOutOfRangeException(nameof(unit), $"unknown information unit {unit}."),
    };

    private static double InUnit(double nats, InformationUnit unit) => unit switch
    {
        InformationUnit.Nats => nats,
        InformationUnit.Bits => nats / Math.Log(2),
        _ => throw new ArgumentOutOfRangeException(nameof(unit), $"unknown information unit {unit}."),
    };

    private static void RequirePair(Tensor p, Tensor q, string op)
    {
        RequireDistributions(p, op, "p");
        RequireDistributions(q, op, "q");
        if (p.Shape != q.Shape || p.DType != q.DType)
            throw new ArgumentException($"{op}: p {p.DType} {p.Shape} and q {q.DType} {q.Shape} must have the same shape and dtype.");
    }

    private static void RequirePair(double[] p, double[] q, string op)
    {
        RequireDistribution(p, op, "p");
        RequireDistribution(q, op, "q");
        if (p.Length != q.Length)
            throw new ArgumentException($"{op}: p has {p.Length} outcomes but q has {q.Length}.");
    }

    /// <summary>Throws unless every row of <paramref name="p"/> over the last dim is a probability distribution.</summary>
    private static void RequireDistributions(Tensor p, string op, string name)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!p.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {name} must be Float32 or Float64, got {p.DType} {p.Shape}.");
        if (p.Rank == 0)
            throw new ArgumentException($"{op}: {name} must have a last dimension of outcomes, got a scalar {p.Shape}.");
        var dims = p.Shape.ToArray();
        int k = dims[^1];
        if (k == 0) throw new ArgumentException($"{op}: {name} {p.Shape} has no outcomes (its last dimension is 0).");
        double tolerance = p.DType == DType.Float32 ? SumToleranceFloat32 : SumTolerance;
        double[] values = p.Detach().ToDoubleArray();
        for (int row = 0; row < values.Length / k; row++)
        {
            double sum = 0;
            for (int i = row * k; i < (row + 1) * k; i++)
            {
                if (!(values[i] >= 0))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"{op}: {name} has {values[i]:R} at position {LossHelpers.FormatPosition(i, dims)}; probabilities must be ≥ 0."));
                sum += values[i];
            }
            if (!(Math.Abs(sum - 1) <= tolerance))
            {
                string where = dims.Length == 1 ? name : $"row {name}{LossHelpers.FormatPosition(row, dims[..^1])}";
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{op}: {where} sums to {sum:R}, not 1 (tolerance {tolerance:0e0}); a distribution's probabilities must add up to 1."));
            }
        }
    }

    private static void RequireDistribution(double[] p, string op, string name)
    {
        ArgumentNullException.ThrowIfNull(p, name);
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (!(p[i] >= 0))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{op}: {name} has {p[i]:R} at position [{i}]; probabilities must be ≥ 0."), name);
            sum += p[i];
        }
        if (!(Math.Abs(sum - 1) <= SumTolerance))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{op}: {name} sums to {sum:R}, not 1 (tolerance {SumTolerance:0e0}); a distribution's probabilities must add up to 1."), name);
    }
}
