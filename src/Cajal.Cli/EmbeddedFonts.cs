using ScottPlot;
using SkiaSharp;

namespace Cajal.Cli;

/// <summary>
/// Serves the DejaVu Sans regular and bold faces embedded in this assembly to ScottPlot, so that plots have
/// text on machines with no fonts installed (without the bold face, titles and axis labels vanish).
/// </summary>
internal sealed class EmbeddedFonts : IFontResolver
{
    /// <summary>The family name the embedded faces answer to.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly Lock Gate = new();
    private static bool registered;

    private readonly SKData regular = Load("Cajal.Cli.Fonts.DejaVuSans.ttf");
    private readonly SKData bold = Load("Cajal.Cli.Fonts.DejaVuSans-Bold.ttf");

    /// <summary>Puts the embedded faces first among ScottPlot's font sources and makes them the default. Idempotent.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (registered)
                return;
            Fonts.FontResolvers.Insert(0, new EmbeddedFonts());
            Fonts.Default = Family;
            registered = true;
        }
    }

    /// <summary>The embedded DejaVu Sans face for drawing with SkiaSharp directly.</summary>
    public static SKTypeface Typeface(bool bold)
    {
        var data = Load(bold ? "Cajal.Cli.Fonts.DejaVuSans-Bold.ttf" : "Cajal.Cli.Fonts.DejaVuSans.ttf");
        return SKTypeface.FromData(data);
    }

    /// <inheritdoc/>
    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
        CreateTypeface(fontName, bold: weight >= FontWeight.SemiBold, italic: slant != FontSlant.Upright);

    /// <inheritdoc/>
    /// <remarks>Italic requests get the upright face: a slanted label beats a missing one.</remarks>
    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase)
            ? SKTypeface.FromData(bold ? this.bold : regular)
            : null;

    private static SKData Load(string resourceName)
    {
        using var stream = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The font resource {resourceName} is missing from the cajal assembly.");
        return SKData.Create(stream);
    }
}
