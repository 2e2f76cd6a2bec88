namespace Cajal.Nn;

/// <summary>During training, zeroes each element with probability P and scales the rest by 1/(1 − P); the identity in evaluation.</summary>
/// <remarks>The mask is drawn from the layer's <see cref="Generator"/>, so a seed reproduces a run.</remarks>
public sealed class Dropout : Module
{
    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (p < 0 || p > 1 || double.IsNaN(p)) throw new ArgumentException($"Dropout: probability must be in [0, 1], got {p}.");
        P = p;
        Generator = generator ?? Generator.Default;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>The source of the masks.</summary>
    public Generator Generator { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, Generator);

    /// <inheritdoc/>
    protected override string ExtraRepr() => FormattableString.Invariant($"p={Repr.Float(P)}, inplace=False");
}

/// <summary>A lookup table of NumEmbeddings vectors of size EmbeddingDim, indexed by int64 tensors.</summary>
/// <remarks>Shape: indices (*) → (*, EmbeddingDim). Init N(0, 1), the padding row zero, as PyTorch.</remarks>
public sealed class Embedding : Module
{
    /// <summary>Creates the table.</summary>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentException($"Embedding: sizes must be positive, got {numEmbeddings} × {embeddingDim}.");
        if (paddingIdx is int p && (p < -numEmbeddings || p >= numEmbeddings))
            throw new ArgumentException($"Embedding: padding index {p} is out of range for {numEmbeddings} embeddings.");
        PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = Tensor.Zeros([numEmbeddings, embeddingDim], dtype, requiresGrad: true);
        Init.Normal(Weight, generator: generator);
        if (PaddingIdx is int row)
            using (Autograd.NoGrad()) Weight.Narrow(0, row, 1).Detach().Fill(0.0);
    }

    /// <summary>The table, (NumEmbeddings, EmbeddingDim).</summary>
    public Tensor Weight { get; }

    /// <summary>The row that receives no gradient, or null.</summary>
    public int? PaddingIdx { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc/>
    protected override IEnumerable<(string Name, Tensor Value)> OwnParameters()
    {
        yield return ("weight", Weight);
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        $"{Weight.Size(0)}, {Weight.Size(1)}" + (PaddingIdx is int p ? $", padding_idx={p}" : "");
}
