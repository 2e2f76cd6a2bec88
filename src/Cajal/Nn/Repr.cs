using System.Globalization;

namespace Cajal.Nn;

/// <summary>Formats values in module printouts the way PyTorch (Python's repr) does.</summary>
internal static class Repr
{
    /// <summary>1e-05 for 1e-5, 1.0 for 1, 0.1 for 0.1.</summary>
    public static string Float(double value)
    {
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E', StringComparison.Ordinal)) return s.Replace("E", "e", StringComparison.Ordinal);
        if (double.IsFinite(value) && !s.Contains('.', StringComparison.Ordinal)) s += ".0";
        return s;
    }
}
