namespace Cajal.Examples.Article;

/// <summary>The article's data set and the way its initial weights are drawn.</summary>
public static class ArticleData
{
    /// <summary>The hidden-layer width the article uses.</summary>
    public const int DefaultHidden = 4;

    /// <summary>The number of training iterations the article runs.</summary>
    public const int DefaultIterations = 1500;

    /// <summary>The four inputs, shape (4, 3); the third feature is always 1 and acts as a bias.</summary>
    /// <remarks>Returns a new array on each call, so callers may change it.</remarks>
    public static double[,] X => new double[,] { { 0, 0, 1 }, { 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 } };

    /// <summary>The targets, shape (4, 1): the XOR of the first two features.</summary>
    /// <remarks>Returns a new array on each call, so callers may change it.</remarks>
    public static double[,] Y => new double[,] { { 0 }, { 1 }, { 1 }, { 0 } };

    /// <summary>Draws initial weights uniform in [0, 1) in float64: W1 (3, hidden) first, then W2 (hidden, 1).</summary>
    /// <param name="seed">Seed of the <see cref="Generator"/> that draws both tensors.</param>
    /// <param name="hidden">Number of hidden neurons; at least 1.</param>
    /// <returns>The two weight tensors, neither requiring a gradient.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hidden"/> is less than 1.</exception>
    public static (Tensor W1, Tensor W2) InitialWeights(ulong seed, int hidden = DefaultHidden)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        var generator = new Generator(seed);
        var w1 = Tensor.Rand([X.GetLength(1), hidden], generator, DType.Float64);
        var w2 = Tensor.Rand([hidden, Y.GetLength(1)], generator, DType.Float64);
        return (w1, w2);
    }

    /// <summary>Copies a 2-D tensor into a new <c>double[,]</c>.</summary>
    /// <param name="tensor">A tensor of rank 2 and any dtype.</param>
    /// <returns>The values, converted to double, indexed [row, column].</returns>
    /// <exception cref="ArgumentException">The tensor is not 2-D.</exception>
    public static double[,] ToMatrix(Tensor tensor)
    {
        if (tensor.Rank != 2)
            throw new ArgumentException($"ToMatrix: expected a 2-D tensor, got shape {tensor.Shape}.", nameof(tensor));
        int rows = tensor.Shape[0], columns = tensor.Shape[1];
        var flat = tensor.ToDoubleArray();
        var matrix = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                matrix[i, j] = flat[(i * columns) + j];
        }
        return matrix;
    }

    /// <summary>Flattens a matrix row by row.</summary>
    /// <param name="matrix">Any 2-D array.</param>
    /// <returns>The values in row-major order.</returns>
    public static double[] Flatten(double[,] matrix)
    {
        var flat = new double[matrix.Length];
        int k = 0;
        foreach (double value in matrix)
            flat[k++] = value;
        return flat;
    }
}
