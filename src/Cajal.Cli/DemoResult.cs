using Cajal.Examples.Article;

namespace Cajal.Cli;

/// <summary>The outcome of one demo run: the loss of every iteration and the final predictions.</summary>
/// <param name="Options">What was run.</param>
/// <param name="Losses">Loss of each iteration, computed before that iteration's update.</param>
/// <param name="Predictions">Predictions at the trained weights, one per sample.</param>
/// <param name="Targets">The XOR targets, one per sample.</param>
internal sealed record DemoResult(DemoOptions Options, double[] Losses, double[] Predictions, double[] Targets)
{
    /// <summary>The 1-based iteration whose loss was not strictly below the one before it; 0 when there is none.</summary>
    public int FirstNonDecrease { get; } = FindFirstNonDecrease(Losses);

    /// <summary>Whether every loss is strictly less than the previous one.</summary>
    public bool Monotonic => FirstNonDecrease == 0;

    /// <summary>"autograd" or "hand": which network was trained.</summary>
    public string Mode => Options.Hand ? "hand" : "autograd";

    /// <summary>Draws the initial weights from the seed and trains the chosen network.</summary>
    public static DemoResult Train(DemoOptions options)
    {
        // W1 (3, hidden) then W2 (hidden, 1), uniform [0, 1) in float64 from Generator(seed).
        var (w1, w2) = ArticleData.InitialWeights(options.Seed, options.Hidden);
        double[] losses, predictions;
        if (options.Hand)
        {
            var network = new NeuralNetwork(ArticleData.X, ArticleData.Y, ArticleData.ToMatrix(w1),
                ArticleData.ToMatrix(w2), options.LearningRate, options.Activation);
            losses = network.Train(options.Iterations);
            predictions = ArticleData.Flatten(network.Output);
        }
        else
        {
            var network = new AutogradNetwork(Tensor.FromArray(ArticleData.X), Tensor.FromArray(ArticleData.Y),
                w1, w2, options.LearningRate, options.Activation);
            losses = network.Train(options.Iterations);
            predictions = network.Predict();
        }
        return new DemoResult(options, losses, predictions, ArticleData.Flatten(ArticleData.Y));
    }

    // NaN compares false with everything, so a NaN loss also ends monotonic decrease.
    private static int FindFirstNonDecrease(double[] losses)
    {
        for (int i = 1; i < losses.Length; i++)
        {
            if (!(losses[i] < losses[i - 1]))
                return i + 1;
        }
        return 0;
    }
}
