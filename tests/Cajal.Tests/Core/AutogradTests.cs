namespace Cajal.Tests.Core;

/// <summary>The autograd engine: accumulation, deep graphs, no-grad scopes, graph release and the error cases.</summary>
public class AutogradTests
{
    private static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Gradients_accumulate_across_two_Backward_calls()
    {
        var x = Leaf(1, 2, 3);
        (x * x).Sum().Backward();
        (x * 3.0).Sum().Backward();
        Assert.Equal(new[] { 5.0, 7.0, 9.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void A_chain_100000_ops_deep_runs_Backward_without_stack_overflow()
    {
        var x = Tensor.Scalar(1.0, DType.Float64, requiresGrad: true);
        var y = x;
        const int depth = 100_000;
        for (int i = 0; i < depth; i++) y = i % 2 == 0 ? y * 1.0000001 : y + 0.0;
        y.Backward();
        double expected = Math.Pow(1.0000001, depth / 2);
        Assert.Equal(expected, x.Grad!.Item(), 9);
    }

    [Fact]
    public void NoGrad_stops_recording_and_nests()
    {
        var x = Leaf(1, 2);
        Assert.True(Autograd.IsEnabled);
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsEnabled);
            using (Autograd.NoGrad())
            {
                Assert.False((x * 2.0).RequiresGrad);
            }
            Assert.False(Autograd.IsEnabled);   // the inner scope's end does not turn recording back on
            var y = x * 2.0;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsLeaf);
        }
        Assert.True(Autograd.IsEnabled);
        Assert.True((x * 2.0).RequiresGrad);
    }

    [Fact]
    public void NoGrad_on_one_thread_does_not_stop_recording_on_another()
    {
        // IsEnabled skips the thread-local depth while no thread is in a NoGrad scope (ThreadSettingCount); each
        // thread must still see only its own scopes.
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool innerDisabled = false;
        var other = new Thread(() =>
        {
            using (Autograd.NoGrad())
            {
                innerDisabled = !Autograd.IsEnabled;
                inside.Set();
                release.Wait();
            }
        });
        other.Start();
        inside.Wait();
        try
        {
            Assert.True(innerDisabled);
            Assert.True(Autograd.IsEnabled);
            var w = Tensor.FromArray(new double[] { 1, 2 }, 2);
            w.RequiresGrad = true;
            Assert.True((w * w).RequiresGrad);   // still recorded here
            using (Autograd.NoGrad()) Assert.False(Autograd.IsEnabled);
            Assert.True(Autograd.IsEnabled);
        }
        finally
        {
            release.Set();
            other.Join();
        }
        Assert.True(Autograd.IsEnabled);
    }

    [Fact]
    public void Disposing_a_NoGrad_scope_twice_does_not_unbalance_it()
    {
        var outer = Autograd.NoGrad();
        var inner = Autograd.NoGrad();
        inner.Dispose();
        inner.Dispose();
        Assert.False(Autograd.IsEnabled);
        outer.Dispose();
        Assert.True(Autograd.IsEnabled);
    }

    [Fact]
    public void Backward_twice_without_retainGraph_throws_naming_retainGraph()
    {
        var x = Leaf(1, 2);
        var y = (x * x).Sum();
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", ex.Message);
    }

    [Fact]
    public void Backward_twice_with_retainGraph_works_and_accumulates()
    {
        var x = Leaf(1, 2);
        var y = (x * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(new[] { 4.0, 8.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Backward_on_a_tensor_that_does_not_require_grad_throws_a_clear_message()
    {
        var x = Tensor.FromArray(new[] { 1.0, 2.0 });
        var ex = Assert.Throws<InvalidOperationException>(() => x.Sum().Backward());
        Assert.Contains("does not require grad", ex.Message);
    }

    [Fact]
    public void Backward_without_upstream_on_a_non_scalar_throws()
    {
        var x = Leaf(1, 2);
        var ex = Assert.Throws<ArgumentException>(() => (x * 2.0).Backward());
        Assert.Contains("(2)", ex.Message);
    }

    [Fact]
    public void Backward_with_a_wrong_shaped_upstream_throws()
    {
        var x = Leaf(1, 2);
        var ex = Assert.Throws<ArgumentException>(() => (x * 2.0).Backward(Tensor.Ones([3], DType.Float64)));
        Assert.Contains("(3)", ex.Message);
        Assert.Contains("(2)", ex.Message);
    }

    [Fact]
    public void Backward_with_an_upstream_weights_the_gradient()
    {
        var x = Leaf(1, 2);
        (x * x).Backward(Tensor.FromArray(new[] { 10.0, -1.0 }));
        Assert.Equal(new[] { 20.0, -4.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void A_reused_node_gets_the_summed_gradient()
    {
        var x = Leaf(3);
        var y = x * x + x;
        y.Backward();
        Assert.Equal(7.0, x.Grad!.Item());

        var a = Leaf(2);
        var b = a * 3.0;                   // b feeds two branches
        var z = b * b + b.Exp() + b;
        z.Backward();
        Assert.Equal(2 * 6.0 * 3 + Math.Exp(6) * 3 + 3, a.Grad!.Item(), 9);
    }

    [Fact]
    public void Backward_on_a_leaf_accumulates_the_upstream_into_its_own_gradient()
    {
        var x = Leaf(1, 2);
        x.Backward(Tensor.FromArray(new[] { 3.0, 4.0 }));
        Assert.Equal(new[] { 3.0, 4.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Detach_stops_gradients()
    {
        var x = Leaf(1, 2);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        Assert.True(d.IsLeaf);
        (x * d).Sum().Backward();
        Assert.Equal(new[] { 1.0, 2.0 }, x.Grad!.ToArray<double>());   // d treated as a constant
    }

    [Fact]
    public void In_place_ops_on_a_leaf_requiring_grad_throw_outside_NoGrad()
    {
        var x = Leaf(1, 2);
        var other = Tensor.FromArray(new[] { 1.0, 1.0 });
        Assert.Throws<InvalidOperationException>(() => x.AddInPlace(other));
        Assert.Throws<InvalidOperationException>(() => x.SubInPlace(other));
        Assert.Throws<InvalidOperationException>(() => x.MulInPlace(2.0));
        Assert.Throws<InvalidOperationException>(() => x.Fill(0.0));
        Assert.Throws<InvalidOperationException>(() => x.CopyFrom(other));
        using (Autograd.NoGrad())
        {
            x.AddInPlace(other, alpha: 2.0).MulInPlace(2.0).SubInPlace(other);
        }
        Assert.Equal(new[] { 5.0, 7.0 }, x.ToArray<double>());
    }

    [Fact]
    public void Gradients_do_not_flow_to_inputs_that_do_not_require_them()
    {
        var x = Leaf(1, 2);
        var c = Tensor.FromArray(new[] { 3.0, 4.0 });
        (x * c).Sum().Backward();
        Assert.Null(c.Grad);
        Assert.Equal(new[] { 3.0, 4.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Results_require_grad_when_an_input_does_and_are_not_leaves()
    {
        var x = Leaf(1, 2);
        var y = x * 2.0;
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    [Fact]
    public void Only_floating_point_tensors_can_require_grad()
    {
        var i = Tensor.FromArray(new long[] { 1, 2 });
        Assert.Throws<ArgumentException>(() => i.RequiresGrad = true);
    }

    [Fact]
    public void The_stored_gradient_is_not_an_alias_of_the_upstream()
    {
        var x = Leaf(1, 2);
        var upstream = Tensor.FromArray(new[] { 1.0, 1.0 });
        x.Clone().Backward(upstream);
        using (Autograd.NoGrad()) upstream.Fill(5.0);
        Assert.Equal(new[] { 1.0, 1.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Float32_graphs_produce_float32_gradients()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f });
        x.RequiresGrad = true;
        (x * x).Sum().Backward();
        Assert.Equal(DType.Float32, x.Grad!.DType);
        Assert.Equal(new[] { 2f, 4f }, x.Grad.ToArray<float>());
    }

    [Fact]
    public void GradCheck_detects_a_wrong_gradient()
    {
        // Detach cuts the path through one factor, so the analytic gradient is half the true one.
        var x = Tensor.FromArray(new[] { 1.0, 2.0 });
        x.RequiresGrad = true;
        var result = GradCheck.Check(() => (x * x.Detach()).Sum(), [x]);
        Assert.False(result.Passed);
        Assert.Throws<GradCheckException>(() => GradCheck.Assert(() => (x * x.Detach()).Sum(), x));
    }
}
