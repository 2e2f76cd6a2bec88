namespace Cajal.Nn;

/// <summary>Argument checks shared by the convolution and pooling ops; every message names the op.</summary>
internal static class SpatialArgs
{
    /// <summary>A (height, width) pair from null (→ <paramref name="fallback"/>), [v] (→ (v, v)) or [h, w], each ≥ <paramref name="min"/>.</summary>
    public static (int H, int W) Pair(int[]? values, int fallback, string op, string name, int min)
    {
        if (values is null || values.Length == 0) return (fallback, fallback);
        if (values.Length > 2)
            throw new ArgumentException($"{op}: {name} must have 1 or 2 values (height, width), got {Format(values)}.", name);
        var pair = values.Length == 1 ? (values[0], values[0]) : (values[0], values[1]);
        Require(pair, op, name, min);
        return pair;
    }

    /// <summary>Throws unless both values are at least <paramref name="min"/>.</summary>
    public static void Require((int H, int W) pair, string op, string name, int min)
    {
        if (pair.H < min || pair.W < min)
        {
            string what = min == 0 ? "non-negative" : min == 1 ? "positive" : $"at least {min}";
            throw new ArgumentException($"{op}: {name} must be {what}, got {Format(pair)}.", name);
        }
    }

    /// <summary>Input of rank 4 (N, C, H, W) or 3 (C, H, W); returns whether it is unbatched.</summary>
    public static bool RequireImage(Tensor input, string op)
    {
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"{op}: expected input of rank 4 (N, C, H, W) or 3 (C, H, W), got {input.Shape}.", nameof(input));
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType} {input.Shape}.", nameof(input));
        return input.Rank == 3;
    }

    /// <summary>"(h, w)".</summary>
    public static string Format((int H, int W) pair) => $"({pair.H}, {pair.W})";

    /// <summary>"[a, b, …]".</summary>
    public static string Format(int[] values) => "[" + string.Join(", ", values) + "]";
}
