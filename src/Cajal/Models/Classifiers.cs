using Cajal.Nn;

namespace Cajal.Models;

/// <summary>Ready-to-train image classifiers for 28×28 grey images (MNIST, Fashion-MNIST).</summary>
/// <remarks>
/// Each is a <see cref="Sequential"/>, so <c>ToString()</c>, <c>Summary(…)</c> and the state-dict keys read
/// as the equivalent PyTorch <c>nn.Sequential</c>. Input (N, 1, 28, 28), output logits (N, classes).
/// </remarks>
public static class Classifiers
{
    /// <summary>The multilayer perceptron 784-256-128-classes with ReLU.</summary>
    public static Sequential Mlp(int classes = 10, Generator? generator = null) => new(
        new Flatten(),
        new Linear(784, 256, generator: generator), new ReLU(),
        new Linear(256, 128, generator: generator), new ReLU(),
        new Linear(128, classes, generator: generator));

    /// <summary>LeNet-5 as in the benchmark workloads: conv 5×5 (pad 2) → 6, pool, conv 5×5 → 16, pool, 400-120-84-classes.</summary>
    public static Sequential LeNet5(int classes = 10, Generator? generator = null) => new(
        new Conv2d(1, 6, 5, padding: 2, generator: generator), new ReLU(), new MaxPool2d(2),
        new Conv2d(6, 16, 5, generator: generator), new ReLU(), new MaxPool2d(2),
        new Flatten(),
        new Linear(400, 120, generator: generator), new ReLU(),
        new Linear(120, 84, generator: generator), new ReLU(),
        new Linear(84, classes, generator: generator));

    /// <summary>
    /// A small modern CNN: two conv-BatchNorm-ReLU blocks of <paramref name="width"/> channels and one of 2·width,
    /// max pooling, dropout, and a 128-unit head.
    /// </summary>
    /// <param name="classes">Output classes.</param>
    /// <param name="width">Channels of the first blocks.</param>
    /// <param name="generator">Draws the initial weights.</param>
    /// <param name="dropoutGenerator">Draws the dropout masks (keep it apart from data shuffling for reproducible runs).</param>
    public static Sequential SmallCnn(int classes = 10, int width = 32, Generator? generator = null, Generator? dropoutGenerator = null) => new(
        new Conv2d(1, width, 3, padding: 1, bias: false, generator: generator), new BatchNorm2d(width), new ReLU(),
        new Conv2d(width, width, 3, padding: 1, bias: false, generator: generator), new BatchNorm2d(width), new ReLU(),
        new MaxPool2d(2),
        new Conv2d(width, 2 * width, 3, padding: 1, bias: false, generator: generator), new BatchNorm2d(2 * width), new ReLU(),
        new MaxPool2d(2),
        new Dropout(0.25, dropoutGenerator),
        new Flatten(),
        new Linear(2 * width * 7 * 7, 128, generator: generator), new ReLU(),
        new Dropout(0.5, dropoutGenerator),
        new Linear(128, classes, generator: generator));
}
