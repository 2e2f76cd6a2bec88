namespace Cajal.Information;

/// <summary>The unit of an amount of information: the base of the logarithm.</summary>
public enum InformationUnit
{
    /// <summary>Natural logarithm (base e), the unit of the losses: 1 nat = 1/ln 2 ≈ 1.4427 bits.</summary>
    Nats,

    /// <summary>Base-2 logarithm: the number of yes/no questions; nats / ln 2.</summary>
    Bits,
}
