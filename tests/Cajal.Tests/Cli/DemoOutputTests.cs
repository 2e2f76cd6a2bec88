using Cajal.Cli;
using SkiaSharp;

namespace Cajal.Tests.Cli;

public class DemoOutputTests
{
    [Fact]
    public void Table_output_names_the_seed_shows_checkpoints_and_targets()
    {
        var run = CliRunner.Run("demo", "--no-plot", "--seed", "21", "--iterations", "60");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("seed 21", run.Stdout);
        Assert.Contains("monotonically", run.Stdout);
        Assert.Contains("[1, 1, 1]", run.Stdout);
        Assert.DoesNotContain("\u001b[", run.Stdout);   // no escape codes off a terminal
        Assert.DoesNotContain("article-loss.png", run.Stdout);
    }

    [Theory]
    [InlineData(1500, new[] { 1, 2, 5, 10, 50, 100, 500, 1000, 1500 })]
    [InlineData(60, new[] { 1, 2, 5, 10, 50, 60 })]
    [InlineData(1, new[] { 1 })]
    [InlineData(2000, new[] { 1, 2, 5, 10, 50, 100, 500, 1000, 1500, 2000 })]
    public void Shown_iterations_are_the_checkpoints_in_range_plus_the_last(int iterations, int[] expected)
    {
        Assert.Equal(expected, DemoRunner.ShownIterations(iterations));
    }

    [Fact]
    public void Plot_is_written_with_visible_title_text()
    {
        var dir = Directory.CreateTempSubdirectory("cajal-plot-").FullName;
        try
        {
            var run = CliRunner.Run("demo", "--iterations", "100", "--out", dir);

            Assert.Equal(0, run.ExitCode);
            var path = Path.Combine(dir, DemoRunner.PlotFileName);
            Assert.Contains(path, run.Stdout);
            using var bitmap = SKBitmap.Decode(path);
            Assert.Equal(LossPlot.Width, bitmap.Width);
            Assert.Equal(LossPlot.Height, bitmap.Height);

            // The title is the only thing drawn above the data area's frame, whose top edge is the first row that
            // is dark across most of the width: dark pixels above it are glyphs. With no usable font there are
            // none (without a title the frame starts at the very top).
            int frameTop = Enumerable.Range(0, bitmap.Height).First(y => DarkPixels(bitmap, y) > bitmap.Width / 2);
            int dark = Enumerable.Range(0, frameTop).Sum(y => DarkPixels(bitmap, y));
            Assert.True(dark > 200, $"only {dark} dark pixels above the frame at row {frameTop}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int DarkPixels(SKBitmap bitmap, int y)
    {
        int dark = 0;
        for (int x = 0; x < bitmap.Width; x++)
        {
            var pixel = bitmap.GetPixel(x, y);
            if (pixel.Red < 96 && pixel.Green < 96 && pixel.Blue < 96)
                dark++;
        }
        return dark;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Embedded_fonts_serve_DejaVu_Sans_regular_and_bold_without_system_fonts(bool bold)
    {
        var fonts = new EmbeddedFonts();
        using var typeface = fonts.CreateTypeface(EmbeddedFonts.Family, bold, italic: false);
        Assert.NotNull(typeface);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.Equal(bold, typeface.IsBold);
        Assert.Null(fonts.CreateTypeface("Comic Sans MS", bold, italic: false));
    }
}
