using System.Runtime.InteropServices;
using Cajal.Nn;

namespace Cajal.Tests.Support;

/// <summary>Checks shared by the tests of fused ops (Linear+ReLU, Conv2d+ReLU) against the modules they replace.</summary>
internal static class Fusion
{
    /// <summary>Whether two float32 or float64 tensors hold the same bits, element by element.</summary>
    public static bool SameBits(Tensor x, Tensor y) => x.DType == DType.Float32
        ? MemoryMarshal.AsBytes(x.ToArray<float>().AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.ToArray<float>().AsSpan()))
        : MemoryMarshal.AsBytes(x.ToArray<double>().AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.ToArray<double>().AsSpan()));

    /// <summary>
    /// Asserts that <paramref name="model"/>'s Forward (which fuses) gives the outputs and parameter gradients of its
    /// modules run one by one, bit for bit, with recording on and off; returns the op names of the fused graph's
    /// first-input chain, output first.
    /// </summary>
    public static List<string> AssertSequentialMatchesModulesOneByOne(Sequential model, Tensor x, Tensor target)
    {
        float[][] Grads(Func<Tensor> forward)
        {
            model.ZeroGrad();
            Functional.CrossEntropy(forward(), target).Backward();
            return [.. model.Parameters().Select(p => p.Grad!.ToArray<float>())];
        }
        Tensor OneByOne()
        {
            var h = x;
            foreach (var module in model) h = module.Forward(h);
            return h;
        }
        var fused = Grads(() => model.Forward(x));
        var separate = Grads(OneByOne);
        for (int i = 0; i < fused.Length; i++) Assert.Equal(separate[i], fused[i]);
        Assert.True(SameBits(OneByOne(), model.Forward(x)));
        using (Autograd.NoGrad()) Assert.True(SameBits(OneByOne(), model.Forward(x)));
        var ops = new List<string>();
        for (var node = model.Forward(x).GradFn; node is not null; node = node.Inputs.Select(t => t.GradFn).FirstOrDefault(n => n is not null))
            ops.Add(node.Name);
        return ops;
    }
}
