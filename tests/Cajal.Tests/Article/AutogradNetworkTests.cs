using Cajal.Examples.Article;

namespace Cajal.Tests.Article;

public class AutogradNetworkTests
{
    [Fact]
    public void Autograd_network_reproduces_PyTorchs_1500_losses_weights_and_predictions_in_float64()
    {
        var golden = ArticleAssert.Golden;
        var network = new AutogradNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2, DType.Float64);

        var losses = network.Train(golden.LossHistory.Length);

        Assert.Equal(DType.Float64, network.DType);
        ArticleAssert.Close(golden.LossHistory, losses, "loss_history");
        ArticleAssert.Close(golden.FinalW1, ArticleData.ToMatrix(network.Weights1), "final_w0");
        ArticleAssert.Close(golden.FinalW2, ArticleData.ToMatrix(network.Weights2), "final_w1");
        ArticleAssert.Close(ArticleData.Flatten(golden.FinalPredictions), network.Predict(), "final_predictions");
        ArticleAssert.Close([golden.FinalLoss], [network.Loss()], "final_loss");
    }

    [Theory]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void Autograd_agrees_with_the_hand_derived_backprop_for_every_activation(Activation activation)
    {
        // Different hidden size and learning rate from the article's, so neither default hides a mistake.
        var (w1, w2) = ArticleData.InitialWeights(seed: 3, hidden: 5);
        var hand = new NeuralNetwork(ArticleData.X, ArticleData.Y, ArticleData.ToMatrix(w1), ArticleData.ToMatrix(w2),
            learningRate: 0.5, activation);
        var autograd = new AutogradNetwork(Tensor.FromArray(ArticleData.X), Tensor.FromArray(ArticleData.Y), w1, w2,
            learningRate: 0.5, activation);

        var handLosses = hand.Train(300);
        var autogradLosses = autograd.Train(300);

        ArticleAssert.Close(handLosses, autogradLosses, $"{activation} losses");
        ArticleAssert.Close(hand.Weights1, ArticleData.ToMatrix(autograd.Weights1), $"{activation} W1");
        ArticleAssert.Close(hand.Weights2, ArticleData.ToMatrix(autograd.Weights2), $"{activation} W2");
        ArticleAssert.Close(ArticleData.Flatten(hand.Output), autograd.Predict(), $"{activation} predictions");
    }

    [Fact]
    public void Float32_training_follows_the_float64_run()
    {
        var golden = ArticleAssert.Golden;
        var network = new AutogradNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2, DType.Float32);

        var losses = network.Train(golden.LossHistory.Length);

        Assert.Equal(DType.Float32, network.DType);
        Assert.Equal(DType.Float32, network.Weights1.DType);
        ArticleAssert.Close(ArticleData.Flatten(golden.FinalPredictions), network.Predict(), "float32 predictions",
            rtol: 0, atol: 1e-2);
        Assert.True(losses[^1] < 0.01, $"float32 final loss {losses[^1]}");
    }

    [Fact]
    public void Weights_stay_leaves_with_cleared_gradients_between_steps()
    {
        var golden = ArticleAssert.Golden;
        var network = new AutogradNetwork(ArticleData.X, ArticleData.Y, golden.W1, golden.W2);
        network.Step();
        network.Step();
        Assert.True(network.Weights1.IsLeaf);
        Assert.True(network.Weights1.RequiresGrad);
        Assert.Null(network.Weights1.Grad);
        Assert.Null(network.Weights2.Grad);
    }

    [Fact]
    public void Constructor_does_not_change_or_track_the_callers_tensors()
    {
        var (w1, w2) = ArticleData.InitialWeights(seed: 5);
        var before = w1.ToDoubleArray();
        var network = new AutogradNetwork(Tensor.FromArray(ArticleData.X), Tensor.FromArray(ArticleData.Y), w1, w2);
        network.Train(5);
        Assert.Equal(before, w1.ToDoubleArray());
        Assert.False(w1.RequiresGrad);
    }

    [Fact]
    public void Shapes_that_do_not_chain_are_rejected()
    {
        var (w1, _) = ArticleData.InitialWeights(seed: 1, hidden: 4);
        var (_, w2) = ArticleData.InitialWeights(seed: 1, hidden: 6);
        var e = Assert.Throws<ArgumentException>(() =>
            new AutogradNetwork(Tensor.FromArray(ArticleData.X), Tensor.FromArray(ArticleData.Y), w1, w2));
        Assert.Contains("(3, 4)", e.Message);
        Assert.Contains("(6, 1)", e.Message);
    }

    [Fact]
    public void Mixed_dtypes_are_rejected()
    {
        var (w1, w2) = ArticleData.InitialWeights(seed: 1);
        var e = Assert.Throws<ArgumentException>(() =>
            new AutogradNetwork(Tensor.FromArray(ArticleData.X).To(DType.Float32), Tensor.FromArray(ArticleData.Y), w1, w2));
        Assert.Contains("Float32", e.Message);
    }
}
