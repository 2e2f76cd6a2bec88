using Cajal.Information;
using Cajal.Nn;
using static Cajal.Tests.Losses.LossTestUtil;

namespace Cajal.Tests.Information;

/// <summary>Entropy, cross-entropy and KL divergence: the article's worked examples, batching, units, gradients, checks.</summary>
public class InformationTheoryTests
{
    [Fact]
    public void The_surer_shooter_has_less_entropy()
    {
        // The article: a shooter who hits 10% of the time vs one who hits 99.9% of the time.
        Assert.Equal(0.3251, InformationTheory.Entropy([0.1, 0.9]), 4);
        Assert.Equal(0.4690, InformationTheory.Entropy([0.1, 0.9], InformationUnit.Bits), 4);
        Assert.Equal(0.00791, InformationTheory.Entropy([0.999, 0.001]), 5);
        Assert.Equal(0.01141, InformationTheory.Entropy([0.999, 0.001], InformationUnit.Bits), 5);

        var shooters = Tensor.FromArray(new double[,] { { 0.1, 0.9 }, { 0.999, 0.001 } });
        var nats = InformationTheory.Entropy(shooters);
        Assert.Equal(new Shape(2), nats.Shape);
        Assert.Equal(-(0.1 * Math.Log(0.1) + 0.9 * Math.Log(0.9)), nats.ToDoubleArray()[0], 15);
        Assert.Equal(-(0.999 * Math.Log(0.999) + 0.001 * Math.Log(0.001)), nats.ToDoubleArray()[1], 15);
        var bits = InformationTheory.Entropy(shooters, InformationUnit.Bits).ToDoubleArray();
        Assert.Equal(nats.ToDoubleArray()[0] / Math.Log(2), bits[0], 15);
    }

    [Fact]
    public void The_closer_prediction_has_the_lower_cross_entropy_against_a_one_hot_target()
    {
        double[] p = [0, 0, 1], q1 = [0.5, 0.4, 0.1], q2 = [0.1, 0.2, 0.7];
        Assert.Equal(Math.Log(10), InformationTheory.CrossEntropy(p, q1), 14);   // 2.3026 nats
        Assert.Equal(-Math.Log(0.7), InformationTheory.CrossEntropy(p, q2), 14); // 0.3567 nats
        Assert.Equal(2.3026, InformationTheory.CrossEntropy(p, q1), 4);
        Assert.Equal(0.3567, InformationTheory.CrossEntropy(p, q2), 4);
        // H(p) = 0 for a one-hot p, so the KL divergence equals the cross-entropy.
        Assert.Equal(0.0, InformationTheory.Entropy(p));
        Assert.Equal(InformationTheory.CrossEntropy(p, q1), InformationTheory.KlDivergence(p, q1), 14);

        var pt = Tensor.FromArray(new double[,] { { 0, 0, 1 }, { 0, 0, 1 } });
        var qt = Tensor.FromArray(new double[,] { { 0.5, 0.4, 0.1 }, { 0.1, 0.2, 0.7 } });
        var h = InformationTheory.CrossEntropy(pt, qt).ToDoubleArray();
        Assert.Equal(Math.Log(10), h[0], 14);
        Assert.Equal(-Math.Log(0.7), h[1], 14);
    }

    [Fact]
    public void Cross_entropy_loss_is_the_cross_entropy_of_the_one_hot_target_and_the_softmax()
    {
        var logits = Tensor.RandN([4, 3], new Generator(2), DType.Float64);
        var t = Tensor.FromArray(new long[] { 2, 0, 1, 2 });
        var oneHot = Tensor.Zeros([4, 3], DType.Float64);
        for (int i = 0; i < 4; i++) oneHot.SetFromDouble(i * 3 + (int)t.GetAsDouble(i), 1);
        AssertClose(Functional.CrossEntropy(logits, t, reduction: Reduction.None),
            InformationTheory.CrossEntropy(oneHot, logits.Softmax(1)), 1e-13);
        // and the KL loss, summed per row, is the KL divergence.
        var p = Tensor.RandN([4, 3], new Generator(3), DType.Float64).Softmax(1);
        var q = logits.Softmax(1);
        AssertClose(Functional.KlDiv(q.Log(), p, KlDivReduction.None).Sum(1), InformationTheory.KlDivergence(p, q), 1e-13);
    }

    [Fact]
    public void Results_are_one_per_row_and_the_tensor_and_array_forms_agree()
    {
        var g = new Generator(4);
        var p = (Tensor.RandN([2, 3, 5], g, DType.Float64) * 2).Softmax(-1);
        var q = (Tensor.RandN([2, 3, 5], g, DType.Float64) * 2).Softmax(-1);
        foreach (var unit in new[] { InformationUnit.Nats, InformationUnit.Bits })
        {
            var h = InformationTheory.Entropy(p, unit);
            var ce = InformationTheory.CrossEntropy(p, q, unit);
            var kl = InformationTheory.KlDivergence(p, q, unit);
            Assert.Equal(new Shape(2, 3), kl.Shape);
            var pv = p.ToDoubleArray();
            var qv = q.ToDoubleArray();
            for (int row = 0; row < 6; row++)
            {
                double[] pr = pv[(row * 5)..(row * 5 + 5)], qr = qv[(row * 5)..(row * 5 + 5)];
                Assert.Equal(InformationTheory.Entropy(pr, unit), h.ToDoubleArray()[row], 13);
                Assert.Equal(InformationTheory.CrossEntropy(pr, qr, unit), ce.ToDoubleArray()[row], 13);
                Assert.Equal(InformationTheory.KlDivergence(pr, qr, unit), kl.ToDoubleArray()[row], 13);
                // KL = H(p, q) − H(p) ≥ 0
                Assert.Equal(ce.ToDoubleArray()[row] - h.ToDoubleArray()[row], kl.ToDoubleArray()[row], 13);
                Assert.True(kl.ToDoubleArray()[row] > 0);
            }
        }
        Assert.Equal(0.0, InformationTheory.KlDivergence(p, p).Abs().Max().Item(), 15);
        Assert.Equal(Math.Log(4), InformationTheory.Entropy(Tensor.Full([4], 0.25, DType.Float64)).Item(), 15);
        Assert.Equal(2.0, InformationTheory.Entropy([0.25, 0.25, 0.25, 0.25], InformationUnit.Bits), 15);
    }

    [Fact]
    public void Zero_probabilities_count_zero_and_give_no_nan()
    {
        var p = Leaf(Tensor.FromArray(new[] { 0.0, 1.0 }));
        var q = Leaf(Tensor.FromArray(new[] { 0.0, 1.0 }));
        Assert.Equal(0.0, InformationTheory.Entropy(p).Item());
        var ce = InformationTheory.CrossEntropy(p, q);
        Assert.Equal(0.0, ce.Item());
        ce.Backward();
        Assert.Equal(0.0, q.Grad!.ToDoubleArray()[0]);   // 0·(1/0) := 0, not NaN
        Assert.Equal(-1.0, q.Grad!.ToDoubleArray()[1]);
        Assert.Equal(double.PositiveInfinity, InformationTheory.CrossEntropy([1.0, 0.0], [0.0, 1.0]));
    }

    [Fact]
    public void Gradients_match_finite_differences_through_a_softmax()
    {
        // p = softmax(a), q = softmax(b): perturbing a or b keeps every row a distribution.
        var a = Leaf(Tensor.RandN([3, 4], new Generator(5), DType.Float64));
        var b = Leaf(Tensor.RandN([3, 4], new Generator(6), DType.Float64));
        GradCheckWithUpstream(() => InformationTheory.Entropy(a.Softmax(-1)), 7, a);
        GradCheckWithUpstream(() => InformationTheory.CrossEntropy(a.Softmax(-1), b.Softmax(-1), InformationUnit.Bits), 8, a, b);
        GradCheckWithUpstream(() => InformationTheory.KlDivergence(a.Softmax(-1), b.Softmax(-1)), 9, a, b);
    }

    [Fact]
    public void Bad_distributions_are_rejected_with_the_value_and_position()
    {
        var e = Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.FromArray(new double[,] { { 0.5, 0.5 }, { 1.1, -0.1 } })));
        Assert.Contains("Entropy: p has -0.1 at position [1, 1]", e.Message);
        e = Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.FromArray(new double[,] { { 0.5, 0.5 }, { 0.5, 0.4 } })));
        Assert.Contains("row p[1] sums to 0.9", e.Message);
        e = Assert.Throws<ArgumentException>(() => InformationTheory.CrossEntropy([0.5, 0.5], [0.5, 0.5000011]));
        Assert.Contains("CrossEntropy: q sums to", e.Message);
        Assert.Equal(Math.Log(2), InformationTheory.CrossEntropy([0.5, 0.5], [0.5, 0.5000009]), 5);   // within 1e-6
        e = Assert.Throws<ArgumentException>(() => InformationTheory.KlDivergence([0.5, 0.5], [1.0]));
        Assert.Contains("p has 2 outcomes but q has 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => InformationTheory.Entropy([double.NaN, 1.0]));
        Assert.Contains("NaN at position [0]", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            InformationTheory.KlDivergence(Tensor.Full([2, 2], 0.5, DType.Float64), Tensor.Full([4], 0.25, DType.Float64)));
        Assert.Contains("(2, 2)", e.Message);
        Assert.Contains("(4)", e.Message);
        Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.FromArray(new long[] { 0, 1 })));
        Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.Scalar(1.0, DType.Float64)));
        Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.Zeros([2, 0], DType.Float64)));
    }

    [Fact]
    public void Float32_rows_get_the_looser_float32_tolerance()
    {
        var logits = Tensor.RandN([2, 1000], new Generator(8), DType.Float32) * 3;
        var h = InformationTheory.Entropy(logits.Softmax(-1));
        Assert.Equal(DType.Float32, h.DType);
        var h64 = InformationTheory.Entropy(logits.To(DType.Float64).Softmax(-1));
        AssertClose(h.To(DType.Float64), h64, 1e-4);
        Assert.Throws<ArgumentException>(() => InformationTheory.Entropy(Tensor.FromArray(new[] { 0.5f, 0.4998f })));
    }
}
