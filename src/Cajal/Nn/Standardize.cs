using System.Globalization;

namespace Cajal.Nn;

/// <summary>y = (x − Mean) / Std with constant scalars: input standardisation as the first layer of a model.</summary>
/// <remarks>
/// Putting it in the model, rather than in the data pipeline, means a saved model applies the same
/// preprocessing wherever it is loaded (evaluation, prediction). It has no parameters or buffers.
/// </remarks>
public sealed class Standardize : Module
{
    /// <summary>Creates the layer; <paramref name="std"/> must be positive.</summary>
    public Standardize(double mean, double std)
    {
        if (!(std > 0) || !double.IsFinite(std) || !double.IsFinite(mean))
            throw new ArgumentException($"Standardize: std must be positive and finite and mean finite, got mean {mean}, std {std}.");
        Mean = mean;
        Std = std;
    }

    /// <summary>The value subtracted.</summary>
    public double Mean { get; }

    /// <summary>The divisor.</summary>
    public double Std { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return (input - Mean) * (1.0 / Std);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"mean={Repr.Float(Mean)}, std={Repr.Float(Std)}");
}
