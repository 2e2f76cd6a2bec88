using Cajal.Nn;

namespace Cajal.Tests.Modules;

/// <summary>
/// Functional.Linear's fused op (Tensor.LinearOp) against the composition it replaces, x.MatMul(W.T) + b, and against
/// finite differences: input ranks 1–3, strided input and weight, no bias, empty batches and zero features.
/// </summary>
public class LinearOpTests
{
    private static Tensor Composed(Tensor x, Tensor w, Tensor? b)
    {
        var y = x.MatMul(w.T);
        return b is null ? y : y + b;
    }

    public static TheoryData<int[], int, bool, bool, bool> Cases() => new()
    {
        // input shape, out features, bias, transposed input, transposed weight
        { [5, 7], 3, true, false, false },
        { [7], 4, true, false, false },
        { [2, 3, 6], 5, true, false, false },
        { [4, 6], 6, false, true, false },
        { [4, 6], 2, true, false, true },
        { [3, 5], 13, true, true, true },
        { [0, 4], 3, true, false, false },
        { [3, 0], 2, true, false, false },
        { [3, 4], 0, true, false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_linear_matches_matmul_plus_bias_and_finite_differences(int[] shape, int outFeatures, bool withBias, bool transposedInput, bool transposedWeight)
    {
        var rng = new Generator((ulong)(shape.Sum() * 31 + outFeatures * 7 + (withBias ? 1 : 0) + (transposedInput ? 2 : 0) + (transposedWeight ? 4 : 0)));
        int inFeatures = shape[^1];
        Tensor Leaf(int[] dims) => Tensor.RandN(dims, rng, DType.Float64, requiresGrad: true);
        // A transposed input is the transpose of a (…, in, rows) leaf; a transposed weight the transpose of an (in, out) leaf.
        var xLeaf = transposedInput ? Leaf([.. shape[..^2], shape[^1], shape[^2]]) : Leaf(shape);
        var wLeaf = transposedWeight ? Leaf([inFeatures, outFeatures]) : Leaf([outFeatures, inFeatures]);
        var bLeaf = withBias ? Leaf([outFeatures]) : null;
        Tensor X() => transposedInput ? xLeaf.Transpose(-1, -2) : xLeaf;
        Tensor W() => transposedWeight ? wLeaf.T : wLeaf;

        var fused = Functional.Linear(X(), W(), bLeaf);
        var composed = Composed(X(), W(), bLeaf);
        Assert.Equal(composed.Shape, fused.Shape);
        Assert.Equal(composed.ToArray<double>(), fused.ToArray<double>());

        var up = Tensor.RandN(fused.Shape.ToArray(), rng, DType.Float64);
        Tensor?[] Grads(Func<Tensor> f)
        {
            xLeaf.Grad = null; wLeaf.Grad = null;
            if (bLeaf is not null) bLeaf.Grad = null;
            (f() * up).Sum().Backward();
            return [xLeaf.Grad, wLeaf.Grad, bLeaf?.Grad];
        }
        var gf = Grads(() => Functional.Linear(X(), W(), bLeaf));
        var gc = Grads(() => Composed(X(), W(), bLeaf));
        for (int i = 0; i < 3; i++)
        {
            if (gc[i] is null) { Assert.Null(gf[i]); continue; }
            var a = gc[i]!.ToArray<double>();
            var b = gf[i]!.ToArray<double>();
            Assert.Equal(a.Length, b.Length);
            for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) <= 1e-12 * (1 + Math.Abs(a[j])), $"grad {i}[{j}]: {b[j]} vs {a[j]}");
        }
        if (fused.Count > 0 && xLeaf.Count > 0)
        {
            Tensor[] inputs = bLeaf is null ? [xLeaf, wLeaf] : [xLeaf, wLeaf, bLeaf];
            GradCheck.Assert(() => (Functional.Linear(X(), W(), bLeaf) * up).Sum(), inputs);
        }
    }

    [Fact]
    public void Float32_linear_gives_the_same_bits_as_before_the_fusion()
    {
        var rng = new Generator(3);
        var x = Tensor.RandN([64, 784], rng);
        var w = Tensor.RandN([256, 784], rng, requiresGrad: true);
        var b = Tensor.RandN([256], rng, requiresGrad: true);
        var up = Tensor.RandN([64, 256], rng);
        var fused = Functional.Linear(x, w, b);
        (fused * up).Sum().Backward();
        var (fw, fb) = (w.Grad!.ToArray<float>(), b.Grad!.ToArray<float>());
        w.Grad = null; b.Grad = null;
        var composed = Composed(x, w, b);
        (composed * up).Sum().Backward();
        Assert.Equal(composed.ToArray<float>(), fused.ToArray<float>());
        Assert.Equal(w.Grad!.ToArray<float>(), fw);
        Assert.Equal(b.Grad!.ToArray<float>(), fb);
    }

    [Fact]
    public void Mixed_dtypes_still_get_matmuls_error()
    {
        var x = Tensor.Zeros([2, 3], DType.Float64);
        var w = Tensor.Zeros([4, 3]);
        var e = Assert.Throws<ArgumentException>(() => Functional.Linear(x, w));
        Assert.Contains("MatMul", e.Message);
    }
}
