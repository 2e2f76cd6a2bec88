using Cajal.Examples.Article;

namespace Cajal.Tests.Article;

public class ArticleDataTests
{
    [Fact]
    public void Initial_weights_are_uniform_in_0_1_float64_with_the_requested_shapes()
    {
        var (w1, w2) = ArticleData.InitialWeights(seed: 42, hidden: 6);
        Assert.Equal(DType.Float64, w1.DType);
        Assert.Equal([3, 6], w1.Shape.ToArray());
        Assert.Equal([6, 1], w2.Shape.ToArray());
        Assert.All(w1.ToDoubleArray().Concat(w2.ToDoubleArray()), v => Assert.InRange(v, 0.0, 0.9999999999999999));
    }

    [Fact]
    public void Initial_weights_depend_only_on_the_seed()
    {
        var (a1, a2) = ArticleData.InitialWeights(seed: 9);
        var (b1, b2) = ArticleData.InitialWeights(seed: 9);
        var (c1, _) = ArticleData.InitialWeights(seed: 10);
        Assert.Equal(a1.ToDoubleArray(), b1.ToDoubleArray());
        Assert.Equal(a2.ToDoubleArray(), b2.ToDoubleArray());
        Assert.NotEqual(a1.ToDoubleArray(), c1.ToDoubleArray());
    }

    [Fact]
    public void ToMatrix_and_Flatten_keep_row_major_order()
    {
        var tensor = Tensor.FromArray(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var matrix = ArticleData.ToMatrix(tensor);
        Assert.Equal(6.0, matrix[1, 2]);
        Assert.Equal(2.0, matrix[0, 1]);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], ArticleData.Flatten(matrix));
    }

    [Fact]
    public void Golden_folder_is_found_beside_the_repository_from_deep_inside_it()
    {
        var root = Directory.CreateTempSubdirectory("cajal-golden-").FullName;
        try
        {
            var golden = Directory.CreateDirectory(Path.Combine(root, "shared", "golden", "pytorch")).FullName;
            File.WriteAllText(Path.Combine(golden, ArticleGolden.FileName), "{}");
            var deep = Directory.CreateDirectory(Path.Combine(root, "repo", "tests", "bin", "Release")).FullName;
            var empty = Directory.CreateDirectory(Path.Combine(root, "repo", "docs")).FullName;

            Assert.Equal(golden, ArticleGolden.SearchUpwards(deep));
            Assert.Equal(golden, ArticleGolden.SearchUpwards(Path.Combine(root, "repo")));
            File.Delete(Path.Combine(golden, ArticleGolden.FileName));
            Assert.Null(ArticleGolden.SearchUpwards(empty));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
