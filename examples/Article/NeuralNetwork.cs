namespace Cajal.Examples.Article;

/// <summary>
/// The article's 2-layer network written by hand with plain <c>double[,]</c> arrays: no Cajal types,
/// every derivative worked out on paper and typed in.
/// </summary>
/// <remarks>
/// Shapes: input X (n, in), targets y (n, out), Weights1 (in, hidden), Weights2 (hidden, out).
/// Forward: layer1 = act(X·W1), ŷ = σ(layer1·W2). Loss: L = Σ (y − ŷ)².
/// Backward (the article's formulas, with a learning rate lr that the article leaves at 1):
/// dW2 = layer1ᵀ·(2(y−ŷ)⊙ŷ(1−ŷ)), dW1 = Xᵀ·(((2(y−ŷ)⊙ŷ(1−ŷ))·W2ᵀ) ⊙ act'), W += lr·dW.
/// dW is minus the gradient of L, so adding it is gradient descent.
/// </remarks>
public sealed class NeuralNetwork
{
    private readonly double[,] input;   // X (n, in)
    private readonly double[,] y;       // targets (n, out)
    private double[,] hiddenInput;      // z1 = X·W1 (n, hidden), kept for relu'(z1)
    private double[,] layer1;           // act(z1) (n, hidden)

    /// <summary>Creates the network from data and initial weights, which it copies.</summary>
    /// <param name="x">Inputs, shape (n, in).</param>
    /// <param name="y">Targets, shape (n, out).</param>
    /// <param name="w1">Initial input-to-hidden weights, shape (in, hidden); hidden is taken from here.</param>
    /// <param name="w2">Initial hidden-to-output weights, shape (hidden, out).</param>
    /// <param name="learningRate">Step size; the article's update is learning rate 1.</param>
    /// <param name="activation">Hidden-layer activation; the output layer stays sigmoid.</param>
    /// <exception cref="ArgumentException">The shapes do not chain, or the learning rate is not finite.</exception>
    public NeuralNetwork(double[,] x, double[,] y, double[,] w1, double[,] w2,
        double learningRate = 1.0, Activation activation = Activation.Sigmoid)
    {
        if (x.GetLength(0) != y.GetLength(0) || x.GetLength(1) != w1.GetLength(0)
            || w1.GetLength(1) != w2.GetLength(0) || w2.GetLength(1) != y.GetLength(1))
        {
            throw new ArgumentException(
                $"NeuralNetwork: shapes do not chain: X {ShapeOf(x)} · W1 {ShapeOf(w1)} · W2 {ShapeOf(w2)} " +
                $"must give y's shape {ShapeOf(y)}.");
        }
        if (!double.IsFinite(learningRate))
            throw new ArgumentException($"NeuralNetwork: learning rate must be finite, got {learningRate}.", nameof(learningRate));
        if (!Enum.IsDefined(activation))
            throw new ArgumentException($"NeuralNetwork: unknown activation {activation}.", nameof(activation));

        input = (double[,])x.Clone();
        this.y = (double[,])y.Clone();
        Weights1 = (double[,])w1.Clone();
        Weights2 = (double[,])w2.Clone();
        LearningRate = learningRate;
        Activation = activation;
        hiddenInput = new double[x.GetLength(0), w1.GetLength(1)];
        layer1 = new double[x.GetLength(0), w1.GetLength(1)];
        Output = new double[y.GetLength(0), y.GetLength(1)];
    }

    /// <summary>Input-to-hidden weights W1, shape (in, hidden); updated in place by <see cref="BackProp"/>.</summary>
    public double[,] Weights1 { get; }

    /// <summary>Hidden-to-output weights W2, shape (hidden, out); updated in place by <see cref="BackProp"/>.</summary>
    public double[,] Weights2 { get; }

    /// <summary>Predictions ŷ from the last <see cref="FeedForward"/>, shape (n, out); zeros before the first.</summary>
    public double[,] Output { get; private set; }

    /// <summary>The step size multiplying dW1 and dW2.</summary>
    public double LearningRate { get; }

    /// <summary>The hidden layer's activation function.</summary>
    public Activation Activation { get; }

    /// <summary>Forward pass: layer1 = act(X·W1), ŷ = σ(layer1·W2).</summary>
    public void FeedForward()
    {
        hiddenInput = Dot(input, Weights1);
        layer1 = Map(hiddenInput, Activate);
        Output = Map(Dot(layer1, Weights2), Sigmoid);
    }

    /// <summary>Backward pass and update: computes dW1 and dW2 by the chain rule and adds lr·dW to each weight.</summary>
    /// <remarks>Uses layer1 and ŷ from the last <see cref="FeedForward"/>, as the article does.</remarks>
    public void BackProp()
    {
        int n = Output.GetLength(0), outputs = Output.GetLength(1);

        // ∂L/∂ŷ = −2(y − ŷ), and ŷ = σ(z2) gives ∂ŷ/∂z2 = σ'(z2) = ŷ(1 − ŷ).
        // So delta2 = 2(y − ŷ) ⊙ ŷ(1 − ŷ) = −∂L/∂z2, shape (n, out).
        var delta2 = new double[n, outputs];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < outputs; j++)
                delta2[i, j] = 2 * (y[i, j] - Output[i, j]) * (Output[i, j] * (1 - Output[i, j]));
        }

        // z2 = layer1·W2 gives ∂z2/∂W2 = layer1ᵀ: dW2 = layer1ᵀ·delta2 = −∂L/∂W2, shape (hidden, out).
        var dWeights2 = Dot(Transpose(layer1), delta2);

        // z2 = layer1·W2 also gives ∂z2/∂layer1 = W2ᵀ: delta2·W2ᵀ = −∂L/∂layer1, shape (n, hidden).
        // Then layer1 = act(z1) multiplies by act'(z1) elementwise: delta1 = −∂L/∂z1.
        var delta1 = Dot(delta2, Transpose(Weights2));
        for (int i = 0; i < delta1.GetLength(0); i++)
        {
            for (int j = 0; j < delta1.GetLength(1); j++)
                delta1[i, j] *= ActivationDerivative(hiddenInput[i, j], layer1[i, j]);
        }

        // z1 = X·W1 gives ∂z1/∂W1 = Xᵀ: dW1 = Xᵀ·delta1 = −∂L/∂W1, shape (in, hidden).
        var dWeights1 = Dot(Transpose(input), delta1);

        // W += lr·dW is W −= lr·∂L/∂W: one step of gradient descent.
        AddScaled(Weights1, dWeights1, LearningRate);
        AddScaled(Weights2, dWeights2, LearningRate);
    }

    /// <summary>The sum of squared errors L = Σ (y − ŷ)² of the current <see cref="Output"/>.</summary>
    /// <returns>The loss of the predictions from the last <see cref="FeedForward"/>.</returns>
    public double Loss()
    {
        double loss = 0;
        for (int i = 0; i < Output.GetLength(0); i++)
        {
            for (int j = 0; j < Output.GetLength(1); j++)
            {
                double error = y[i, j] - Output[i, j];
                loss += error * error;
            }
        }
        return loss;
    }

    /// <summary>Runs <paramref name="iterations"/> full-batch steps of forward, loss, backward and update.</summary>
    /// <param name="iterations">How many steps to take; zero or more.</param>
    /// <returns>The loss of each iteration, computed before that iteration's update.</returns>
    /// <remarks>Ends with one more forward pass, so <see cref="Output"/> is the trained network's prediction.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterations"/> is negative.</exception>
    public double[] Train(int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        var losses = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            FeedForward();
            losses[i] = Loss();
            BackProp();
        }
        FeedForward();
        return losses;
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private double Activate(double z) => Activation switch
    {
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Math.Tanh(z),
        _ => Math.Max(z, 0),
    };

    // act'(z1) written the article's way, from the activation a = act(z1) where that is possible:
    // σ' = a(1 − a), tanh' = 1 − a²; relu' needs the pre-activation z1 (1 where z1 > 0, else 0).
    private double ActivationDerivative(double z, double a) => Activation switch
    {
        Activation.Sigmoid => a * (1 - a),
        Activation.Tanh => 1 - (a * a),
        _ => z > 0 ? 1 : 0,
    };

    /// <summary>The matrix product a·b of an (m, k) and a (k, n) matrix.</summary>
    private static double[,] Dot(double[,] a, double[,] b)
    {
        int m = a.GetLength(0), k = a.GetLength(1), n = b.GetLength(1);
        var result = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += a[i, p] * b[p, j];
                result[i, j] = sum;
            }
        }
        return result;
    }

    private static double[,] Transpose(double[,] a)
    {
        var result = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
                result[j, i] = a[i, j];
        }
        return result;
    }

    private static double[,] Map(double[,] a, Func<double, double> f)
    {
        var result = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
                result[i, j] = f(a[i, j]);
        }
        return result;
    }

    private static void AddScaled(double[,] target, double[,] delta, double scale)
    {
        for (int i = 0; i < target.GetLength(0); i++)
        {
            for (int j = 0; j < target.GetLength(1); j++)
                target[i, j] += scale * delta[i, j];
        }
    }

    private static string ShapeOf(double[,] a) => $"({a.GetLength(0)}, {a.GetLength(1)})";
}
