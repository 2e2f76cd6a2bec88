namespace Cajal.Tests.Core;

/// <summary>Shared makers of float64 test inputs and the gradient check with a random upstream.</summary>
internal static class TestData
{
    /// <summary>Standard normal float64 leaf that requires grad.</summary>
    public static Tensor Normal(Generator rng, params int[] shape) =>
        Tensor.RandN(shape, rng, DType.Float64, requiresGrad: true);

    /// <summary>Float64 leaf with values in [0.5, 2), for Log, Sqrt, Pow and Div denominators.</summary>
    public static Tensor Positive(Generator rng, params int[] shape) => Leaf(Tensor.Rand(shape, rng, DType.Float64) * 1.5 + 0.5);

    /// <summary>Float64 leaf whose values all have |x| ≥ 0.1, for functions with a kink at 0.</summary>
    public static Tensor AwayFromZero(Generator rng, params int[] shape)
    {
        var x = Tensor.RandN(shape, rng, DType.Float64);
        return Leaf(x + x.Sign() * 0.1);
    }

    /// <summary>Makes a detached copy of <paramref name="t"/> a leaf that requires grad.</summary>
    public static Tensor Leaf(Tensor t)
    {
        var leaf = t.Detach().Clone();
        leaf.RequiresGrad = true;
        return leaf;
    }

    /// <summary>
    /// Gradient-checks <paramref name="function"/> through the scalar Σ f(x)·w with a random upstream w
    /// (not all ones, so every element of the Jacobian is weighted differently).
    /// </summary>
    public static void GradCheckWithUpstream(Generator rng, Func<Tensor> function, params Tensor[] inputs)
    {
        Tensor probe;
        using (Autograd.NoGrad()) probe = function();
        var upstream = Tensor.RandN(probe.Shape.ToArray(), rng, DType.Float64);
        GradCheck.Assert(() => (function() * upstream).Sum(), inputs);
    }

    /// <summary>Asserts two double arrays agree within an absolute + relative tolerance, reporting the first bad index.</summary>
    public static void AssertClose(double[] expected, double[] actual, double atol = 1e-12, double rtol = 1e-12, string? context = null)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (e == a) continue;
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"{context}: element {i}: expected {e:R}, got {a:R}");
        }
    }
}
