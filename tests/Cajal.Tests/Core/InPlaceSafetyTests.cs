namespace Cajal.Tests.Core;

public class InPlaceSafetyTests
{
    [Fact]
    public void Modifying_a_saved_input_in_place_before_backward_throws_instead_of_a_wrong_gradient()
    {
        var x = Tensor.Ones([3], DType.Float64, requiresGrad: true);
        var c = Tensor.Full([3], 2.0, DType.Float64);
        var y = (x * c).Sum();            // Mul saves c for x's gradient
        c.Fill(5.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("in-place", e.Message);
        Assert.Contains("Mul", e.Message);
    }

    [Fact]
    public void Modifying_a_view_counts_as_modifying_its_base()
    {
        var x = Tensor.Ones([2, 2], DType.Float64, requiresGrad: true);
        var c = Tensor.Full([2, 2], 3.0, DType.Float64);
        var y = (x * c).Sum();
        c.Narrow(0, 1, 1).Fill(0.0);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
    }

    [Fact]
    public void Modifying_a_saved_output_in_place_before_backward_throws()
    {
        var x = Tensor.Ones([3], DType.Float64, requiresGrad: true);
        var y = x.Exp();                  // Exp's gradient is its output
        using (Autograd.NoGrad()) y.Fill(0.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward(Tensor.Ones([3], DType.Float64)));
        Assert.Contains("its output", e.Message);
    }

    [Fact]
    public void Every_input_of_an_op_with_many_inputs_is_checked()
    {
        // Versions of the first three inputs are kept in fields, later ones in an array: modify the fifth.
        var parts = Enumerable.Range(0, 5).Select(_ => Tensor.Ones([2], DType.Float64, requiresGrad: true)).ToArray();
        var y = Tensor.Cat(parts).Sum();
        using (Autograd.NoGrad()) parts[4].Fill(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("input 4", e.Message);
        var z = Tensor.Cat(parts).Sum();  // recorded after the write: fine
        z.Backward();
        Assert.Equal(new[] { 1.0, 1.0 }, parts[4].Grad!.ToArray<double>());
    }

    [Fact]
    public void A_tensor_whose_version_counter_is_created_after_the_op_still_compares_correctly()
    {
        // c has never been viewed or written when Mul records it (version 0, no counter yet). A view made afterwards
        // creates the shared counter; writing through it must be seen, and an untouched c must not be reported.
        var x = Tensor.Ones([2, 2], DType.Float64, requiresGrad: true);
        var c = Tensor.Full([2, 2], 3.0, DType.Float64);
        var ok = (x * c).Sum();
        _ = c.Narrow(0, 0, 1);            // a view, no write
        ok.Backward();
        Assert.Equal(new[] { 3.0, 3.0, 3.0, 3.0 }, x.Grad!.ToArray<double>());
        var bad = (x * c).Sum();
        var view = c.Narrow(0, 1, 1);
        view.Fill(0.0);
        Assert.Throws<InvalidOperationException>(() => bad.Backward());
    }

    [Fact]
    public void Updating_parameters_after_backward_is_fine_and_the_next_step_sees_the_new_values()
    {
        var w = Tensor.Full([2], 1.0, DType.Float64, requiresGrad: true);
        for (int step = 0; step < 3; step++)
        {
            var loss = (w * w).Sum();
            loss.Backward();
            using (Autograd.NoGrad()) w.SubInPlace(w.Grad!, alpha: 0.25);
            w.Grad = null;
        }
        // w ← w − 0.25·2w = w/2 each step
        Assert.Equal(new[] { 0.125, 0.125 }, w.ToArray<double>());
    }

    [Fact]
    public void Int64_division_is_refused_with_a_message()
    {
        var a = Tensor.FromArray(new long[] { 4, 6 });
        var e = Assert.Throws<ArgumentException>(() => a / a);
        Assert.Contains("Int64", e.Message);
    }

    [Fact]
    public void ZerosLike_and_OnesLike_take_an_optional_dtype()
    {
        var a = Tensor.FromArray(new long[] { 1, 2 });
        Assert.Equal(DType.Int64, Tensor.ZerosLike(a).DType);
        Assert.Equal(DType.Float64, Tensor.OnesLike(a, DType.Float64).DType);
        Assert.Equal(new[] { 1.0, 1.0 }, Tensor.OnesLike(a, DType.Float64).ToArray<double>());
    }
}
