using Cajal.Examples.Article;

namespace Cajal.Tests.Article;

public class NeuralNetworkTests
{
    [Fact]
    public void Golden_data_is_the_articles_data()
    {
        var golden = ArticleAssert.Golden;
        Assert.Equal(ArticleData.X, golden.X);
        Assert.Equal(ArticleData.Y, golden.Y);
        Assert.Equal(1500, golden.LossHistory.Length);
    }

    [Fact]
    public void Hand_written_network_reproduces_PyTorchs_1500_losses_weights_and_predictions()
    {
        var golden = ArticleAssert.Golden;
        var network = new NeuralNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2);

        var losses = network.Train(golden.LossHistory.Length);

        ArticleAssert.Close(golden.LossHistory, losses, "loss_history");
        ArticleAssert.Close(golden.FinalW1, network.Weights1, "final_w0");
        ArticleAssert.Close(golden.FinalW2, network.Weights2, "final_w1");
        ArticleAssert.Close(golden.FinalPredictions, network.Output, "final_predictions");
        ArticleAssert.Close([golden.FinalLoss], [network.Loss()], "final_loss");
    }

    [Fact]
    public void Loss_decreases_monotonically_as_the_article_observes()
    {
        var golden = ArticleAssert.Golden;
        var losses = new NeuralNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2).Train(1500);
        for (int i = 1; i < losses.Length; i++)
            Assert.True(losses[i] < losses[i - 1], $"loss rose at iteration {i + 1}: {losses[i - 1]} → {losses[i]}");
    }

    [Fact]
    public void Constructor_copies_the_weights_it_is_given()
    {
        var golden = ArticleAssert.Golden;
        var w1 = (double[,])golden.W1.Clone();
        var network = new NeuralNetwork(ArticleData.X, ArticleData.Y, w1, golden.W2);
        network.Train(3);
        Assert.Equal(golden.W1, w1);
        Assert.NotEqual(golden.W1, network.Weights1);
    }

    [Fact]
    public void Loss_is_the_sum_of_squared_errors_of_the_output()
    {
        // With all-zero weights every prediction is σ(0) = 0.5, so L = 4 · 0.25 = 1.
        var network = new NeuralNetwork(ArticleData.X, ArticleData.Y, new double[3, 4], new double[4, 1]);
        network.FeedForward();
        Assert.Equal(1.0, network.Loss(), 15);
        Assert.All(ArticleData.Flatten(network.Output), p => Assert.Equal(0.5, p, 15));
    }

    [Fact]
    public void Shapes_that_do_not_chain_are_rejected_with_both_shapes_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new NeuralNetwork(ArticleData.X, ArticleData.Y, new double[3, 4], new double[5, 1]));
        Assert.Contains("(3, 4)", e.Message);
        Assert.Contains("(5, 1)", e.Message);
    }

    [Fact]
    public void Hidden_size_comes_from_the_weight_shapes()
    {
        var (w1, w2) = ArticleData.InitialWeights(seed: 7, hidden: 9);
        var network = new NeuralNetwork(ArticleData.X, ArticleData.Y, ArticleData.ToMatrix(w1), ArticleData.ToMatrix(w2));
        var losses = network.Train(200);
        Assert.Equal(9, network.Weights1.GetLength(1));
        Assert.True(losses[^1] < losses[0]);
    }

    [Fact]
    public void Learning_rate_scales_the_first_update()
    {
        // The first step's dW depends only on the initial weights, so W1 − W1₀ scales with lr.
        var golden = ArticleAssert.Golden;
        var full = new NeuralNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2, learningRate: 1.0);
        var half = new NeuralNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2, learningRate: 0.5);
        full.Train(1);
        half.Train(1);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                double fullStep = full.Weights1[i, j] - golden.W1[i, j];
                double halfStep = half.Weights1[i, j] - golden.W1[i, j];
                Assert.Equal(fullStep / 2, halfStep, 12);
            }
        }
    }
}
