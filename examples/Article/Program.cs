namespace Cajal.Examples.Article;

/// <summary>Trains the article's network twice, by hand and with autograd, and prints both loss curves.</summary>
internal static class Program
{
    private static readonly int[] Checkpoints = [1, 2, 5, 10, 50, 100, 500, 1000, 1500];

    private static void Main()
    {
        // PyTorch's initial weights when the golden file is at hand, so all three columns start equal.
        var golden = ArticleGolden.TryLoad();
        double[,] w1, w2;
        if (golden is not null)
        {
            Console.WriteLine("Initial weights: PyTorch's, from article_net.json (torch.rand, seed 1).");
            (w1, w2) = (golden.W1, golden.W2);
        }
        else
        {
            Console.WriteLine("Initial weights: uniform [0, 1) from Cajal's Generator, seed 1 (article_net.json not found).");
            var (t1, t2) = ArticleData.InitialWeights(seed: 1);
            (w1, w2) = (ArticleData.ToMatrix(t1), ArticleData.ToMatrix(t2));
        }

        var hand = new NeuralNetwork(ArticleData.X, ArticleData.Y, w1, w2);
        var autograd = new AutogradNetwork(ArticleData.X, ArticleData.Y, w1, w2, DType.Float64);
        var handLosses = hand.Train(ArticleData.DefaultIterations);
        var autogradLosses = autograd.Train(ArticleData.DefaultIterations);

        Console.WriteLine();
        Console.Write($"{"iteration",9}  {"by hand",22}  {"autograd",22}");
        Console.WriteLine(golden is null ? "" : $"  {"PyTorch",22}");
        foreach (int iteration in Checkpoints)
        {
            int i = iteration - 1;
            Console.Write($"{iteration,9}  {handLosses[i],22:R}  {autogradLosses[i],22:R}");
            Console.WriteLine(golden is null ? "" : $"  {golden.LossHistory[i],22:R}");
        }

        Console.WriteLine();
        Console.WriteLine("Predictions after training (targets 0, 1, 1, 0):");
        Console.WriteLine($"  by hand:  {string.Join(", ", ArticleData.Flatten(hand.Output).Select(p => p.ToString("F6")))}");
        Console.WriteLine($"  autograd: {string.Join(", ", autograd.Predict().Select(p => p.ToString("F6")))}");
    }
}
