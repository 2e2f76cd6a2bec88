namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>y = x·Wᵀ + b.</summary>
    /// <remarks>Shape: input (*, in) (1-D allowed), weight (out, in), bias (out) → (*, out).</remarks>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be 2-D (out, in), got {weight.Shape}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input {input.Shape} has {(input.Rank == 0 ? 0 : input.Size(-1))} features but weight {weight.Shape} expects {weight.Size(1)}.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != weight.Size(0)))
            throw new ArgumentException($"Linear: bias {bias.Shape} does not match weight {weight.Shape}; expected ({weight.Size(0)}).");
        var y = input.MatMul(weight.T);
        return bias is null ? y : y + bias;
    }

    /// <summary>Flattens dimensions <paramref name="startDim"/> through <paramref name="endDim"/> into one.</summary>
    public static Tensor Flatten(Tensor input, int startDim = 0, int endDim = -1)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0) return input.Reshape(1);
        int s = Shape.NormalizeDim(startDim, input.Rank, "Flatten"), e = Shape.NormalizeDim(endDim, input.Rank, "Flatten");
        if (s > e) throw new ArgumentException($"Flatten: start dim {startDim} comes after end dim {endDim} for shape {input.Shape}.");
        var dims = input.Shape.ToArray();
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= dims[i];
        return input.Reshape([.. dims[..s], merged, .. dims[(e + 1)..]]);
    }

    /// <summary>Batch normalisation over every dim except 1 (channels), as <c>F.batch_norm</c>.</summary>
    /// <remarks>
    /// Training: y = (x − μ_B)/√(σ²_B + eps)·weight + bias with the batch mean and biased variance, and, when
    /// running statistics are given, running ← (1 − momentum)·running + momentum·batch (variance unbiased, n/(n−1)).
    /// Evaluation: the running statistics normalise. Shape: input (N, C, *); statistics, weight, bias (C).
    /// </remarks>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw new ArgumentException($"BatchNorm: input must be (N, C, *), got {input.Shape}.");
        int c = input.Size(1);
        foreach (var (name, t) in new[] { ("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias) })
            if (t is not null && (t.Rank != 1 || t.Size(0) != c))
                throw new ArgumentException($"BatchNorm: {name} {t.Shape} does not match the {c} channels of input {input.Shape}.");
        var statShape = new int[input.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = c;
        var dims = Enumerable.Range(0, input.Rank).Where(d => d != 1).ToArray();
        Tensor mean, variance;
        if (training)
        {
            int n = input.Count / Math.Max(c, 1);
            if (n <= 1) throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input {input.Shape}.");
            mean = input.Mean(dims, keepDim: true);
            var centered = input - mean;
            variance = (centered * centered).Mean(dims, keepDim: true);
            if (runningMean is not null && runningVar is not null)
            {
                using var _ = Autograd.NoGrad();
                runningMean.CopyFrom(runningMean * (1 - momentum) + mean.Reshape(c).To(runningMean.DType) * momentum);
                runningVar.CopyFrom(runningVar * (1 - momentum) + (variance.Reshape(c) * ((double)n / (n - 1))).To(runningVar.DType) * momentum);
            }
            var y = centered / (variance + eps).Sqrt();
            return Affine(y, weight, bias, statShape);
        }
        if (runningMean is null || runningVar is null)
            throw new ArgumentException("BatchNorm: running_mean and running_var are required in evaluation mode.");
        mean = runningMean.Reshape(statShape);
        variance = runningVar.Reshape(statShape);
        return Affine((input - mean) / (variance + eps).Sqrt(), weight, bias, statShape);
    }

    private static Tensor Affine(Tensor y, Tensor? weight, Tensor? bias, int[] shape)
    {
        if (weight is not null) y *= weight.Reshape(shape);
        if (bias is not null) y += bias.Reshape(shape);
        return y;
    }

    /// <summary>Layer normalisation over the last dims given by <paramref name="normalizedShape"/>, with the biased variance.</summary>
    /// <remarks>y = (x − μ)/√(σ² + eps)·weight + bias; weight and bias have shape <paramref name="normalizedShape"/>.</remarks>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0 || k > input.Rank || !input.Shape.ToArray()[(input.Rank - k)..].AsSpan().SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: normalized shape {new Shape(normalizedShape)} does not match the trailing dims of input {input.Shape}.");
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
            if (t is not null && !t.Shape.ToArray().AsSpan().SequenceEqual(normalizedShape))
                throw new ArgumentException($"LayerNorm: {name} {t.Shape} must have the normalized shape {new Shape(normalizedShape)}.");
        var dims = Enumerable.Range(input.Rank - k, k).ToArray();
        var mean = input.Mean(dims, keepDim: true);
        var centered = input - mean;
        var variance = (centered * centered).Mean(dims, keepDim: true);
        var y = centered / (variance + eps).Sqrt();
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }

    /// <summary>Zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1 − p) when training.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (p < 0 || p > 1 || double.IsNaN(p)) throw new ArgumentException($"Dropout: probability must be in [0, 1], got {p}.");
        if (!training || p == 0) return input;
        if (p == 1) return input * 0.0;
        var keep = Tensor.Rand(input.Shape.ToArray(), generator, input.DType).Ge(p);
        return input * keep * (1.0 / (1.0 - p));
    }

    /// <summary>Looks up rows of <paramref name="weight"/> (V, D) at int64 <paramref name="input"/> indices of any shape → (*, D).</summary>
    /// <remarks>Repeated indices accumulate gradient; the <paramref name="paddingIdx"/> row gets none, as PyTorch.</remarks>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2) throw new ArgumentException($"Embedding: weight must be (num_embeddings, embedding_dim), got {weight.Shape}.");
        if (input.DType != DType.Int64) throw new ArgumentException($"Embedding: indices must be Int64, got {input.DType}.");
        int v = weight.Size(0);
        if (paddingIdx is int pad && (pad < -v || pad >= v))
            throw new ArgumentException($"Embedding: padding index {pad} is out of range for {v} embeddings.");
        int? padRow = paddingIdx is int pi ? (pi < 0 ? pi + v : pi) : null;
        var indices = input.ToArray<long>();
        for (int i = 0; i < indices.Length; i++)
            if (indices[i] < 0 || indices[i] >= v)
                throw new ArgumentOutOfRangeException(nameof(input), $"Embedding: index {indices[i]} at position {i} is out of range for {v} embeddings (valid: 0 to {v - 1}).");
        if (padRow is null) return weight.IndexSelect(0, input);
        // Route the gradient through a mask that zeroes the padding row's share.
        var mask = Tensor.OnesLike(weight.Detach());
        mask.Narrow(0, padRow.Value, 1).Fill(0.0);
        var rows = weight.IndexSelect(0, input);
        var rowMask = mask.IndexSelect(0, input);
        // Forward value unchanged: rows·mask + (rows·(1 − mask)).Detach()
        return rows * rowMask + (rows.Detach() * (1.0 - rowMask));
    }
}
