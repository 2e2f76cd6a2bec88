using Cajal.Examples.Article;

namespace Cajal.Tests.Article;

/// <summary>Loads the article net's PyTorch golden case and compares arrays with the golden tolerances.</summary>
internal static class ArticleAssert
{
    public const double RelativeTolerance = 1e-9;
    public const double AbsoluteTolerance = 1e-12;

    private static readonly Lazy<ArticleGolden> Cached = new(() =>
    {
        var dir = ArticleGolden.FindDirectory(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                "article_net.json not found: looked for shared/golden/pytorch and ../shared/golden/pytorch above " +
                $"{AppContext.BaseDirectory}; set {ArticleGolden.DirectoryVariable} to the folder that holds it.");
        return ArticleGolden.Load(Path.Combine(dir, ArticleGolden.FileName));
    });

    public static ArticleGolden Golden => Cached.Value;

    /// <summary>|actual − expected| ≤ atol + rtol·|expected| for every element, naming the first that is not.</summary>
    public static void Close(double[] expected, double[] actual, string what,
        double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = atol + (rtol * Math.Abs(expected[i]));
            Assert.True(Math.Abs(actual[i] - expected[i]) <= allowed,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (allowed difference {allowed:G3}).");
        }
    }

    public static void Close(double[,] expected, double[,] actual, string what,
        double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        Close(ArticleData.Flatten(expected), ArticleData.Flatten(actual), what, rtol, atol);
    }
}
