namespace Cajal.Tests.Core;

/// <summary>
/// How leaves receive gradients: a closure's own result is stored without a copy, anything that may be shared is
/// copied, later gradients are added in place (PyTorch's AccumulateGrad), and no two Grads ever share memory.
/// </summary>
public class GradAccumulationTests
{
    private static Tensor Leaf(params float[] values)
    {
        var t = Tensor.FromArray(values, values.Length);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Add_gives_each_leaf_its_own_gradient_tensor()
    {
        var a = Leaf(1, 2, 3);
        var b = Leaf(4, 5, 6);
        (a + b).Sum().Backward();
        Assert.NotSame(a.Grad, b.Grad);
        a.Grad!.AddInPlace(Tensor.Ones([3]));   // must not show in b's gradient
        Assert.Equal([2f, 2f, 2f], a.Grad.ToArray<float>());
        Assert.Equal([1f, 1f, 1f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void A_leaf_used_twice_gets_the_sum_and_a_gradient_of_its_own()
    {
        var a = Leaf(1, 2, 3);
        var y = a * 2f + a;
        y.Sum().Backward();
        Assert.Equal([3f, 3f, 3f], a.Grad!.ToArray<float>());
    }

    [Fact]
    public void The_callers_upstream_gradient_is_copied_not_adopted()
    {
        var a = Leaf(1, 2);
        var up = Tensor.FromArray(new float[] { 5, 7 }, 2);
        a.Backward(up);                                   // a leaf root
        Assert.NotSame(up, a.Grad);
        var b = Leaf(1, 2);
        var view = b.Reshape(2, 1);
        var up2 = Tensor.FromArray(new float[] { 3, 4 }, 2, 1);
        view.Backward(up2);                               // Reshape's gradient is a view of up2
        up2.AddInPlace(Tensor.Ones([2, 1]));
        Assert.Equal([5f, 7f], a.Grad!.ToArray<float>());
        Assert.Equal([3f, 4f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void A_computed_gradient_is_stored_without_a_copy_and_later_ones_are_added_in_place()
    {
        var w = Tensor.RandN([4, 3], new Generator(1), requiresGrad: true);
        var x = Tensor.RandN([5, 3], new Generator(2));
        Nn.Functional.Linear(x, w).Sum().Backward();
        var first = w.Grad!;
        var expected = first.ToArray<float>();
        Nn.Functional.Linear(x, w).Sum().Backward();
        Assert.Same(first, w.Grad);                       // accumulated in place, as PyTorch does
        var twice = w.Grad!.ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(2 * expected[i], twice[i], 5);
    }

    [Fact]
    public void In_place_add_and_sub_match_the_general_path_and_count_a_version()
    {
        var rng = new Generator(3);
        var a = Tensor.RandN([7, 5], rng);
        var b = Tensor.RandN([7, 5], rng);
        var expectedSum = (a + b).ToArray<float>();
        var expectedDiff = (a - b).ToArray<float>();
        var s = a.Clone();
        int v = s.Version.Value;
        s.AddInPlace(b);
        Assert.Equal(expectedSum, s.ToArray<float>());
        Assert.Equal(v + 1, s.Version.Value);
        var d = a.Clone();
        d.SubInPlace(b);
        Assert.Equal(expectedDiff, d.ToArray<float>());
        // A partly overlapping operand takes the general path (it reads the old values).
        var row = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 4);
        var head = row.Narrow(0, 0, 3);
        var tail = row.Narrow(0, 1, 3);
        head.AddInPlace(tail);
        Assert.Equal([3f, 5f, 7f, 4f], row.ToArray<float>());
    }
}
