namespace Cajal.Tests.Losses;

/// <summary>Helpers for loss tests: leaves, upstream-weighted gradient checks, finiteness.</summary>
internal static class LossTestUtil
{
    /// <summary>A float64 leaf that requires grad, holding the values of <paramref name="t"/>.</summary>
    public static Tensor Leaf(Tensor t)
    {
        var c = t.Detach().To(DType.Float64).Clone();
        c.RequiresGrad = true;
        return c;
    }

    /// <summary>Gradient-checks Σ f()·u for a random upstream u of f's output shape (not all ones: checks more).</summary>
    public static void GradCheckWithUpstream(Func<Tensor> f, ulong seed, params Tensor[] inputs)
    {
        Tensor probe;
        using (Autograd.NoGrad()) probe = f();
        var upstream = Tensor.RandN(probe.Shape.ToArray(), new Generator(seed), DType.Float64);
        GradCheck.Assert(() => (f() * upstream).Sum(), inputs);
    }

    /// <summary>Asserts that every element is finite.</summary>
    public static void AssertFinite(Tensor t, string what)
    {
        var values = t.ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
            Assert.True(double.IsFinite(values[i]), $"{what}: element {i} is {values[i]}");
    }

    /// <summary>Asserts element-wise |a − b| ≤ tol·(1 + |b|).</summary>
    public static void AssertClose(Tensor actual, Tensor expected, double tol = 1e-12)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var a = actual.ToDoubleArray();
        var e = expected.ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - e[i]) <= tol * (1 + Math.Abs(e[i])), $"element {i}: {a[i]:R} vs {e[i]:R}");
    }
}
