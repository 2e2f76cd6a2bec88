namespace Cajal.Examples.Article;

/// <summary>The activation function of the hidden layer; the output layer is always the sigmoid.</summary>
/// <remarks>The article uses the sigmoid and names "other activation functions" as a next step.</remarks>
public enum Activation
{
    /// <summary>σ(z) = 1/(1+e^(−z)), with σ'(z) = σ(z)(1−σ(z)): the article's choice.</summary>
    Sigmoid,

    /// <summary>tanh(z), with tanh'(z) = 1 − tanh(z)².</summary>
    Tanh,

    /// <summary>relu(z) = max(0, z), with relu'(z) = 1 where z &gt; 0, else 0 (0 at z = 0, as PyTorch).</summary>
    Relu,
}
