namespace Cajal.Examples.Article;

/// <summary>
/// The article's 2-layer network built from Cajal tensors: the forward pass is written out, and
/// autograd derives the backward pass that <see cref="NeuralNetwork"/> spells out by hand.
/// </summary>
/// <remarks>
/// Shapes: input X (n, in), targets y (n, out), Weights1 (in, hidden), Weights2 (hidden, out).
/// Forward: ŷ = σ(act(X·W1)·W2). Loss: L = Σ (y − ŷ)². Update: W ← W − lr·∂L/∂W, which is the
/// article's W += dW when lr = 1.
/// </remarks>
public sealed class AutogradNetwork
{
    private readonly Tensor input;   // X (n, in)
    private readonly Tensor y;       // targets (n, out)

    /// <summary>Creates the network from tensors; the weights are copied into fresh leaves that require gradients.</summary>
    /// <param name="x">Inputs, shape (n, in).</param>
    /// <param name="y">Targets, shape (n, out).</param>
    /// <param name="w1">Initial input-to-hidden weights, shape (in, hidden); hidden is taken from here.</param>
    /// <param name="w2">Initial hidden-to-output weights, shape (hidden, out).</param>
    /// <param name="learningRate">Step size; the article's update is learning rate 1.</param>
    /// <param name="activation">Hidden-layer activation; the output layer stays sigmoid.</param>
    /// <exception cref="ArgumentException">A tensor is not 2-D, the shapes do not chain, the dtypes differ or are
    /// not floating point, or the learning rate is not finite.</exception>
    public AutogradNetwork(Tensor x, Tensor y, Tensor w1, Tensor w2,
        double learningRate = 1.0, Activation activation = Activation.Sigmoid)
    {
        if (x.Rank != 2 || y.Rank != 2 || w1.Rank != 2 || w2.Rank != 2
            || x.Shape[0] != y.Shape[0] || x.Shape[1] != w1.Shape[0]
            || w1.Shape[1] != w2.Shape[0] || w2.Shape[1] != y.Shape[1])
        {
            throw new ArgumentException(
                $"AutogradNetwork: shapes do not chain: X {x.Shape} · W1 {w1.Shape} · W2 {w2.Shape} " +
                $"must give y's shape {y.Shape}.");
        }
        if (x.DType != w1.DType || y.DType != w1.DType || w2.DType != w1.DType || w1.DType == DType.Int64)
        {
            throw new ArgumentException(
                $"AutogradNetwork: X, y, W1 and W2 need one floating-point dtype, got {x.DType}, {y.DType}, " +
                $"{w1.DType} and {w2.DType}.");
        }
        if (!double.IsFinite(learningRate))
            throw new ArgumentException($"AutogradNetwork: learning rate must be finite, got {learningRate}.", nameof(learningRate));
        if (!Enum.IsDefined(activation))
            throw new ArgumentException($"AutogradNetwork: unknown activation {activation}.", nameof(activation));

        input = x.Detach();
        this.y = y.Detach();
        Weights1 = w1.Detach().Clone();
        Weights1.RequiresGrad = true;
        Weights2 = w2.Detach().Clone();
        Weights2.RequiresGrad = true;
        LearningRate = learningRate;
        Activation = activation;
    }

    /// <summary>Creates the network from plain arrays, converted to tensors of <paramref name="dtype"/>.</summary>
    /// <param name="x">Inputs, shape (n, in).</param>
    /// <param name="y">Targets, shape (n, out).</param>
    /// <param name="w1">Initial input-to-hidden weights, shape (in, hidden).</param>
    /// <param name="w2">Initial hidden-to-output weights, shape (hidden, out).</param>
    /// <param name="dtype">Float64 to check against references, Float32 for speed.</param>
    /// <param name="learningRate">Step size; the article's update is learning rate 1.</param>
    /// <param name="activation">Hidden-layer activation; the output layer stays sigmoid.</param>
    /// <exception cref="ArgumentException">The shapes do not chain, the dtype is not floating point, or the
    /// learning rate is not finite.</exception>
    public AutogradNetwork(double[,] x, double[,] y, double[,] w1, double[,] w2, DType dtype = DType.Float64,
        double learningRate = 1.0, Activation activation = Activation.Sigmoid)
        : this(ToTensor(x, dtype), ToTensor(y, dtype), ToTensor(w1, dtype), ToTensor(w2, dtype), learningRate, activation)
    {
    }

    /// <summary>Input-to-hidden weights W1, shape (in, hidden): a leaf that requires gradients.</summary>
    public Tensor Weights1 { get; }

    /// <summary>Hidden-to-output weights W2, shape (hidden, out): a leaf that requires gradients.</summary>
    public Tensor Weights2 { get; }

    /// <summary>The element type of the weights and data.</summary>
    public DType DType => Weights1.DType;

    /// <summary>The step size multiplying each gradient.</summary>
    public double LearningRate { get; }

    /// <summary>The hidden layer's activation function.</summary>
    public Activation Activation { get; }

    /// <summary>The forward pass ŷ = σ(act(X·W1)·W2), recorded for autograd when it is enabled.</summary>
    /// <returns>The predictions, shape (n, out).</returns>
    public Tensor Forward()
    {
        var hiddenInput = input.MatMul(Weights1);                  // z1 = X·W1        (n, hidden)
        var layer1 = Activation switch                              // layer1 = act(z1) (n, hidden)
        {
            Activation.Sigmoid => hiddenInput.Sigmoid(),
            Activation.Tanh => hiddenInput.Tanh(),
            _ => hiddenInput.Relu(),
        };
        return layer1.MatMul(Weights2).Sigmoid();                  // ŷ = σ(layer1·W2) (n, out)
    }

    /// <summary>One training step: forward, loss, backward, and W ← W − lr·∂L/∂W for both weights.</summary>
    /// <returns>The loss L = Σ (y − ŷ)² before the update.</returns>
    public double Step()
    {
        var loss = SumSquaredError(Forward());
        loss.Backward();   // W1.Grad = ∂L/∂W1 and W2.Grad = ∂L/∂W2: the chain rule NeuralNetwork writes by hand
        using (Autograd.NoGrad())
        {
            Weights1.SubInPlace(GradientOf(Weights1, "W1") * LearningRate);
            Weights2.SubInPlace(GradientOf(Weights2, "W2") * LearningRate);
        }
        // Backward accumulates into Grad, so clear it before the next step.
        Weights1.Grad = null;
        Weights2.Grad = null;
        return loss.Item();
    }

    /// <summary>Runs <paramref name="iterations"/> full-batch training steps.</summary>
    /// <param name="iterations">How many steps to take; zero or more.</param>
    /// <returns>The loss of each iteration, computed before that iteration's update.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="iterations"/> is negative.</exception>
    public double[] Train(int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        var losses = new double[iterations];
        for (int i = 0; i < iterations; i++)
            losses[i] = Step();
        return losses;
    }

    /// <summary>The sum of squared errors L = Σ (y − ŷ)² at the current weights, without recording a graph.</summary>
    /// <returns>The loss as a double.</returns>
    public double Loss()
    {
        using (Autograd.NoGrad())
            return SumSquaredError(Forward()).Item();
    }

    /// <summary>The predictions at the current weights, without recording a graph.</summary>
    /// <returns>ŷ flattened row by row: n·out values.</returns>
    public double[] Predict()
    {
        using (Autograd.NoGrad())
            return Forward().ToDoubleArray();
    }

    // L = Σ (y − ŷ)²: a 0-dim tensor.
    private Tensor SumSquaredError(Tensor prediction)
    {
        var error = y - prediction;
        return (error * error).Sum();
    }

    private static Tensor GradientOf(Tensor weight, string name) =>
        weight.Grad ?? throw new InvalidOperationException($"AutogradNetwork: {name} has no gradient after Backward().");

    private static Tensor ToTensor(double[,] data, DType dtype)
    {
        var tensor = Tensor.FromArray(data);
        return tensor.DType == dtype ? tensor : tensor.To(dtype);
    }
}
