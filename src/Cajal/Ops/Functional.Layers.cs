using Cajal.Kernels;

namespace Cajal.Nn;

public static partial class Functional
{
    /// <summary>y = x·Wᵀ + b.</summary>
    /// <remarks>Shape: input (*, in) (1-D allowed), weight (out, in), bias (out) → (*, out).</remarks>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, relu: false);

    /// <summary>ReLU(x·Wᵀ + b) as one op: the ReLU is applied to each tile of the product as the GEMM finishes it.</summary>
    /// <remarks>The values and gradients of <c>Relu(Linear(input, weight, bias))</c>, bit for bit; one pass over the output
    /// and one tensor fewer. Shapes as <see cref="Linear(Tensor, Tensor, Tensor?)"/>.</remarks>
    internal static Tensor LinearRelu(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, relu: true);

    private static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, bool relu)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be 2-D (out, in), got {weight.Shape}.");
        if (input.Rank == 0 || input.Size(-1) != weight.Size(1))
            throw new ArgumentException($"Linear: input {input.Shape} has {(input.Rank == 0 ? 0 : input.Size(-1))} features but weight {weight.Shape} expects {weight.Size(1)}.");
        if (bias is not null && (bias.Rank != 1 || bias.Size(0) != weight.Size(0)))
            throw new ArgumentException($"Linear: bias {bias.Shape} does not match weight {weight.Shape}; expected ({weight.Size(0)}).");
        // One fused op for floating-point operands of one dtype; otherwise MatMul and add, which also report dtype mismatches.
        if (input.DType.IsFloatingPoint() && weight.DType == input.DType && (bias is null || bias.DType == input.DType))
            return Tensor.LinearOp(input, weight, bias, relu);
        var y = input.MatMul(weight.T);
        if (bias is not null) y += bias;
        return relu ? y.Relu() : y;
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
    /// One fused op forward and backward (<see cref="BatchNormKernels"/>); the gradient reaches input, weight and bias,
    /// not the running statistics, unless those require a gradient in evaluation, where the tensor-op composite runs.
    /// </remarks>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        const string op = "BatchNorm";
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2) throw new ArgumentException($"{op}: input must be (N, C, *), got {input.Shape}.");
        int c = input.Size(1);
        foreach (var (name, t) in new[] { ("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias) })
            if (t is not null && (t.Rank != 1 || t.Size(0) != c))
                throw new ArgumentException($"{op}: {name} {t.Shape} does not match the {c} channels of input {input.Shape}.");
        if (!input.DType.IsFloatingPoint()) throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType} {input.Shape}.");
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
            if (t is not null && t.DType != input.DType)
                throw new ArgumentException($"{op}: dtypes differ: {name} is {t.DType} {t.Shape}, input {input.DType} {input.Shape}; convert one with To(DType).");
        int n = input.Size(0), l = input.Count / Math.Max(n * c, 1);
        if (training)
        {
            int count = n * l;
            if (count <= 1) throw new ArgumentException($"{op}: expected more than 1 value per channel when training, got input {input.Shape}.");
            var xc = input.Contiguous();
            var mean = new double[c];
            var variance = new double[c];
            if (input.DType == DType.Float32) BatchNormKernels.Statistics(xc.Array<float>(), xc.Offset, n, c, l, mean, variance);
            else BatchNormKernels.Statistics(xc.Array<double>(), xc.Offset, n, c, l, mean, variance);
            if (runningMean is not null && runningVar is not null)
            {
                using var _ = Autograd.NoGrad();
                var rm = runningMean.ToDoubleArray();
                var rv = runningVar.ToDoubleArray();
                for (int ch = 0; ch < c; ch++)
                {
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch];
                    rv[ch] = (1 - momentum) * rv[ch] + momentum * variance[ch] * ((double)count / (count - 1));
                }
                runningMean.CopyFrom(Tensor.FromArray(rm, c).To(runningMean.DType));
                runningVar.CopyFrom(Tensor.FromArray(rv, c).To(runningVar.DType));
            }
            return NormalizeFused(op, input, xc, n, c, l, mean, variance, weight, bias, training: true, eps);
        }
        if (runningMean is null || runningVar is null)
            throw new ArgumentException($"{op}: running_mean and running_var are required in evaluation mode.");
        if (runningMean.RequiresGrad || runningVar.RequiresGrad)
            return BatchNormComposite(input, runningMean, runningVar, weight, bias, training: false, momentum, eps);
        if (runningMean.DType != input.DType || runningVar.DType != input.DType)
            throw new ArgumentException($"{op}: dtypes differ: running statistics are {runningMean.DType} and {runningVar.DType}, input {input.DType} {input.Shape}; convert with To(DType).");
        return NormalizeFused(op, input, input.Contiguous(), n, c, l, runningMean.ToDoubleArray(), runningVar.ToDoubleArray(),
            weight, bias, training: false, eps);
    }

    /// <summary>
    /// y = (x − mean)/√(variance + eps)·weight + bias per channel over x (N, C, L), recorded as one op whose backward
    /// treats the statistics as functions of x (<paramref name="training"/>) or as constants.
    /// </summary>
    private static Tensor NormalizeFused(string op, Tensor input, Tensor xc, int n, int c, int l, double[] mean, double[] variance,
        Tensor? weight, Tensor? bias, bool training, double eps)
    {
        var output = Tensor.Uninitialized(input.Shape.ToArray(), input.DType);
        Func<Tensor, Tensor?[]> backward;
        if (input.DType == DType.Float32) backward = Run<float>();
        else backward = Run<double>();
        var inputs = new List<Tensor> { input };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return Autograd.Record(output, op, [.. inputs], backward);

        Func<Tensor, Tensor?[]> Run<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            // Per-channel scalars rounded to T once; σ = √(var + eps) in T, as the composite (x − μ)/(var + eps).Sqrt().
            var m = new T[c];
            var std = new T[c];
            T epsT = T.CreateTruncating(eps);
            for (int ch = 0; ch < c; ch++)
            {
                m[ch] = T.CreateTruncating(mean[ch]);
                std[ch] = T.Sqrt(T.CreateTruncating(variance[ch]) + epsT);
            }
            var gamma = weight is null ? Ones<T>(c) : weight.Contiguous().ToArray<T>();
            var beta = bias is null ? new T[c] : bias.Contiguous().ToArray<T>();
            BatchNormKernels.Normalize(xc.Array<T>(), xc.Offset, output.Array<T>(), n, c, l, m, std, gamma, beta);
            return grad =>
            {
                var gc = grad.Contiguous();
                var dx = input.RequiresGrad ? Tensor.Empty(input.Shape.ToArray(), input.DType) : null;
                var dWeight = new double[c];
                var dBias = new double[c];
                BatchNormKernels.Backward(xc.Array<T>(), xc.Offset, gc.Array<T>(), gc.Offset, dx?.Array<T>(), n, c, l,
                    m, std, gamma, training, dWeight, dBias);
                var grads = new List<Tensor?> { dx };
                if (weight is not null) grads.Add(Tensor.FromArray(dWeight, c).To(weight.DType));
                if (bias is not null) grads.Add(Tensor.FromArray(dBias, c).To(bias.DType));
                return [.. grads];
            };
        }

        static T[] Ones<T>(int count) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var ones = new T[count];
            Array.Fill(ones, T.One);
            return ones;
        }
    }

    /// <summary>
    /// Batch normalisation as a composite of tensor ops: the algorithmic reference for the fused op, and the path that
    /// differentiates through running statistics that require a gradient in evaluation.
    /// </summary>
    internal static Tensor BatchNormComposite(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        int c = input.Size(1);
        var statShape = new int[input.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = c;
        var dims = Enumerable.Range(0, input.Rank).Where(d => d != 1).ToArray();
        Tensor mean, variance;
        if (training)
        {
            int n = input.Count / Math.Max(c, 1);
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
        mean = runningMean!.Reshape(statShape);
        variance = runningVar!.Reshape(statShape);
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
