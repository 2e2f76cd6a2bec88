using Cajal.Nn;

namespace Cajal.Tests.Losses;

/// <summary>Bad targets and options get an ArgumentException that names the op, the value and its position or the shapes.</summary>
public class LossErrorTests
{
    private static readonly Tensor Logits = Tensor.Zeros([4, 5], DType.Float64);

    [Fact]
    public void A_class_index_out_of_range_is_named_with_its_position()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, 1, 4, 7 })));
        Assert.Contains("CrossEntropy: target 7 at position [3] is out of range for 5 classes", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.NllLoss(Logits, Tensor.FromArray(new long[] { -1, 1, 4, 0 })));
        Assert.Contains("NllLoss: target -1 at position [0] is out of range for 5 classes", e.Message);
        var kdim = Tensor.Zeros([2, 3, 2, 2], DType.Float64);
        e = Assert.Throws<ArgumentException>(() =>
            new CrossEntropyLoss().Forward(kdim, Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 0, 3, 0 }, 2, 2, 2)));
        Assert.Contains("target 3 at position [1, 1, 0] is out of range for 3 classes", e.Message);
    }

    [Fact]
    public void The_ignore_index_is_not_an_error_even_out_of_range()
    {
        var loss = Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, -100, 4, 1 }));
        Assert.Equal(Math.Log(5), loss.Item(), 12);
        Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, -100, 4, 1 }), ignoreIndex: -1));
    }

    [Fact]
    public void Wrong_target_shapes_and_dtypes_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, 1, 2 })));
        Assert.Contains("(3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
        Assert.Contains("expected (4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits, Tensor.Zeros([4], DType.Float64)));
        Assert.Contains("(4, 5)", e.Message);
        Assert.Contains("Int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.NllLoss(Logits, Tensor.Zeros([4], DType.Float64)));
        Assert.Contains("Int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, 1, 2, 3 }), Tensor.Ones([4], DType.Float64)));
        Assert.Contains("weight must have shape (5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.MseLoss(Tensor.Zeros([4, 3]), Tensor.Zeros([4, 2])));
        Assert.Contains("MseLoss: input (4, 3) and target (4, 2)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.L1Loss(Tensor.Zeros([3]), Tensor.Zeros([3], DType.Float64)));
        Assert.Contains("Float32", e.Message);
        Assert.Contains("Float64", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Functional.BinaryCrossEntropyWithLogits(Tensor.Zeros([4, 3]), Tensor.Zeros([4, 3]), posWeight: Tensor.Ones([2])));
        Assert.Contains("posWeight of shape (2) cannot be broadcast to the input's shape (4, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(Tensor.Scalar(1.0), Tensor.FromArray(new long[] { 0 })));
    }

    [Fact]
    public void Probabilities_outside_zero_one_are_named_with_their_position()
    {
        var x = Tensor.FromArray(new double[,] { { 0.2, 0.5, 0.1 }, { 0.3, 0.4, 1.5 } });
        var t = Tensor.FromArray(new double[,] { { 1, 0, 1 }, { 0, 1, 0 } });
        var e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(x, t));
        Assert.Contains("BinaryCrossEntropy: input 1.5 at position [1, 2] is not a probability in [0, 1]", e.Message);
        var badTarget = Tensor.FromArray(new double[,] { { 1, 0, 1 }, { -0.25, 1, 0 } });
        e = Assert.Throws<ArgumentException>(() => new BceLoss().Forward(t * 0.5, badTarget));
        Assert.Contains("target -0.25 at position [1, 0]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropyWithLogits(x, badTarget));
        Assert.Contains("BinaryCrossEntropyWithLogits: target -0.25 at position [1, 0]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.BceClipped(t * 0.5, badTarget));
        Assert.Contains("BceClipped: target -0.25", e.Message);
        e = Assert.Throws<ArgumentException>(() => Functional.BinaryCrossEntropy(Tensor.FromArray(new[] { 0.5, double.NaN }), Tensor.FromArray(new[] { 1.0, 0.0 })));
        Assert.Contains("input NaN at position [1]", e.Message);
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        var a = Tensor.Zeros([3], DType.Float64);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.SmoothL1Loss(a, a, beta: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.HuberLoss(a, a, delta: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.BceClipped(a, a, eps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.MseLoss(a, a, (Reduction)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.KlDiv(a, a, (KlDivReduction)9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(Logits, Tensor.FromArray(new long[] { 0, 1, 2, 3 }), labelSmoothing: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(labelSmoothing: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothL1Loss(beta: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HuberLoss(delta: -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MseLoss((Reduction)5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KlDivLoss((KlDivReduction)5));
    }
}
