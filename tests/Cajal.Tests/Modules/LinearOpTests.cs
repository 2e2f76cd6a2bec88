using Cajal.Nn;
using static Cajal.Tests.Support.Fusion;

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

    public static TheoryData<int[], int, bool, DType> ReluCases() => new()
    {
        // input shape, out features, bias, dtype
        { [64, 784], 256, true, DType.Float32 },   // the MLP's first layer: A read in place, several kc blocks
        { [1000, 128], 10, true, DType.Float32 },  // its last shape: one partial column panel
        { [2, 3, 6], 5, true, DType.Float32 },     // lead dims
        { [7], 4, false, DType.Float32 },
        { [13, 33], 17, true, DType.Float64 },
        { [0, 4], 3, true, DType.Float64 },
        { [3, 0], 2, true, DType.Float32 },        // zero features: y = ReLU(b)
    };

    [Theory]
    [MemberData(nameof(ReluCases))]
    public void Linear_with_ReLU_as_one_op_gives_the_bits_of_Linear_then_ReLU_forward_and_backward(int[] shape, int outFeatures, bool withBias, DType dtype)
    {
        // The ReLU runs in the GEMM's epilogue and its mask in the fused backward: values and all three gradients must
        // be those of the two recorded ops, bit for bit, including NaN inputs, zero pre-activations and negative biases.
        var rng = new Generator((ulong)(shape.Sum() * 13 + outFeatures));
        int inFeatures = shape[^1];
        // Row 0 of x all zero (its pre-activations are the bias, one of them 0), a NaN in row 1.
        var xs = Tensor.RandN(shape, rng, DType.Float64).ToArray<double>();
        if (xs.Length >= 2 * inFeatures && inFeatures > 0)
        {
            Array.Clear(xs, 0, inFeatures);
            xs[inFeatures] = double.NaN;
        }
        var x = Tensor.FromArray(xs, shape).To(dtype).Detach();
        x.RequiresGrad = true;
        var w = Tensor.RandN([outFeatures, inFeatures], rng, dtype, requiresGrad: true);
        Tensor? b = null;
        if (withBias)
        {
            var bs = Tensor.RandN([outFeatures], rng, DType.Float64).ToArray<double>();
            bs[0] = 0;
            b = Tensor.FromArray(bs, outFeatures).To(dtype).Detach();
            b.RequiresGrad = true;
        }
        var up = Tensor.RandN([.. shape[..^1], outFeatures], rng, dtype);
        (Tensor y, Tensor? gx, Tensor? gw, Tensor? gb) Run(bool fused)
        {
            x.Grad = null; w.Grad = null;
            if (b is not null) b.Grad = null;
            var y = fused ? Functional.LinearRelu(x, w, b) : Functional.Relu(Functional.Linear(x, w, b));
            (y * up).Sum().Backward();
            return (y, x.Grad, w.Grad, b?.Grad);
        }
        var f = Run(fused: true);
        var s = Run(fused: false);
        Assert.True(SameBits(s.y, f.y), "forward");
        Assert.True(SameBits(s.gx!, f.gx!), "input gradient");
        Assert.True(SameBits(s.gw!, f.gw!), "weight gradient");
        if (b is not null) Assert.True(SameBits(s.gb!, f.gb!), "bias gradient");
        Assert.Equal("Linear+ReLU", Functional.LinearRelu(x, w, b).GradFn!.Name);
    }

    [Fact]
    public void Linear_with_ReLU_passes_finite_differences()
    {
        var rng = new Generator(8);
        var x = Tensor.RandN([6, 5], rng, DType.Float64, requiresGrad: true);
        var w = Tensor.RandN([4, 5], rng, DType.Float64, requiresGrad: true);
        var b = Tensor.RandN([4], rng, DType.Float64, requiresGrad: true);
        GradCheck.Assert(() => Functional.LinearRelu(x, w, b).Pow(2).Sum(), [x, w, b]);
    }

    [Fact]
    public void Sequential_runs_Linear_then_ReLU_as_one_op_with_the_outputs_and_gradients_of_the_modules_one_by_one()
    {
        var model = Cajal.Models.Classifiers.Mlp(generator: new Generator(5));
        var x = Tensor.RandN([32, 1, 28, 28], new Generator(6));
        var target = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (long)(i % 10)).ToArray(), 32);
        var ops = AssertSequentialMatchesModulesOneByOne(model, x, target);
        Assert.Equal(2, ops.Count(o => o == "Linear+ReLU"));
        Assert.Equal(1, ops.Count(o => o == "Linear"));
        Assert.DoesNotContain(ops, o => o.Contains("Relu", StringComparison.OrdinalIgnoreCase) && o != "Linear+ReLU");
        // The summary still shows every module, the ReLUs with the shape of the Linear before them.
        string summary = model.Summary(1, 1, 28, 28);
        Assert.Equal(2, summary.Split('\n').Count(l => l.Contains("ReLU", StringComparison.Ordinal)));
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
