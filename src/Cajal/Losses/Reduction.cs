namespace Cajal.Nn;

/// <summary>How a loss combines its per-element (or per-position) values, as PyTorch's <c>reduction</c> argument.</summary>
public enum Reduction
{
    /// <summary>No reduction: the loss has one value per element (per position for class-index losses).</summary>
    None,

    /// <summary>The mean (the default). Weighted class-index losses divide by the sum of the targets' weights.</summary>
    Mean,

    /// <summary>The sum.</summary>
    Sum,
}

/// <summary>The reductions of <see cref="Functional.KlDiv"/> and <see cref="KlDivLoss"/>: <see cref="Reduction"/>'s three plus BatchMean.</summary>
/// <remarks>
/// A separate type, so that <c>BatchMean</c> cannot be passed to a loss that has no batch to divide by.
/// For KL divergence <c>BatchMean</c> is the one that gives the mathematical KL per sample:
/// <c>Mean</c> divides by every element (N·C), not by N.
/// </remarks>
public enum KlDivReduction
{
    /// <summary>No reduction: one value per element.</summary>
    None,

    /// <summary>The sum divided by the number of elements (PyTorch's default, which is not the KL per sample).</summary>
    Mean,

    /// <summary>The sum.</summary>
    Sum,

    /// <summary>The sum divided by the batch size, input.Shape[0]: the KL divergence per sample.</summary>
    BatchMean,
}
