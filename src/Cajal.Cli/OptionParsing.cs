using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Cajal.Cli;

/// <summary>Option builders shared by the verbs: each bad value becomes one parse error naming the option (exit 2).</summary>
internal static class OptionParsing
{
    /// <summary>An option taking a whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<int> PositiveInt(string name, int defaultValue, string description, int minimum = 1) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseToken(result, defaultValue, $"a whole number of at least {minimum}",
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= minimum ? v : null),
    };

    /// <summary>The --seed option of every verb: a whole number from 0 to 2^64 − 1, default 1.</summary>
    public static Option<ulong> Seed(string description) => new("--seed")
    {
        Description = description,
        DefaultValueFactory = _ => 1,
        HelpName = "S",
        CustomParser = result => ParseToken(result, 1UL, "a whole number from 0 to 2^64 − 1",
            text => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null),
    };

    /// <summary>An optional whole number of at least 1 (null when absent: the verb picks a default).</summary>
    public static Option<int?> OptionalPositiveInt(string name, string description, string helpName = "N") => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNullable<int>(result, "a whole number of at least 1",
            text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= 1 ? v : null),
    };

    /// <summary>An optional positive finite number (null when absent).</summary>
    public static Option<double?> OptionalPositiveDouble(string name, string description, string helpName = "X") => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParseNullable<double>(result, "a positive number",
            text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v > 0 ? v : null),
    };

    /// <summary>An option whose value is one of the <paramref name="names"/> (case-insensitive), mapped to a value.</summary>
    public static Option<T?> Choice<T>(string name, IReadOnlyDictionary<string, T> names, string description) where T : struct => new(name)
    {
        Description = description,
        HelpName = string.Join('|', names.Keys),
        CustomParser = result => ParseNullable<T>(result, OneOf(names.Keys),
            text => names.TryGetValue(text.ToLowerInvariant(), out var v) ? v : (T?)null),
    };

    /// <summary>"a, b or c".</summary>
    public static string OneOf(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? list[0] : string.Join(", ", list.Take(list.Count - 1)) + " or " + list[^1];
    }

    /// <summary>
    /// Parses the option's one token; on failure records a one-line error naming the option, the expectation and the
    /// bad text, so that the parser reports it (and Program exits 2) instead of throwing.
    /// </summary>
    public static T ParseToken<T>(ArgumentResult result, T defaultValue, string expected, Func<string, T?> tryParse)
        where T : struct
    {
        if (result.Tokens.Count == 0)
            return defaultValue;
        return ParseNullable(result, expected, tryParse) ?? defaultValue;
    }

    private static T? ParseNullable<T>(ArgumentResult result, string expected, Func<string, T?> tryParse) where T : struct
    {
        if (result.Tokens.Count == 0)
            return null;
        var text = result.Tokens[0].Value;
        if (tryParse(text) is { } value)
            return value;
        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} expects {expected}, got '{text}'.");
        return null;
    }
}
