using System.Runtime.InteropServices;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>
/// Large element-wise ops run in slices on the worker threads (Partition.ForSlices): the slices must cover every element
/// once, and every op must give the bits of the one-thread run, forward and backward, with NaN, infinities and signed zeros.
/// </summary>
public class ParallelElementwiseTests
{
    // Above Partition.MinParallelWork and not a multiple of the 64-element slice unit.
    private const int Count = 300_007;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(64, 2)]
    [InlineData(65, 2)]
    [InlineData(300_007, 3)]
    [InlineData(1_000_000, 2)]
    public void Slices_cover_every_element_once_and_start_on_multiples_of_64(int length, int threads)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = threads;
            var seen = new int[length];
            var starts = new System.Collections.Concurrent.ConcurrentBag<int>();
            Partition.ForSlices(length, Partition.MinParallelWork, (s, e) =>
            {
                starts.Add(s);
                for (int i = s; i < e; i++) seen[i]++;
            });
            Assert.All(seen, c => Assert.Equal(1, c));
            Assert.All(starts, s => Assert.Equal(0, s % 64));
            Assert.Equal(Math.Min(threads, (length + 63) / 64), starts.Count);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    private static T[] Values<T>(Generator rng) where T : System.Numerics.IFloatingPointIeee754<T> =>
        ElementwiseKernelTests.Data<T>(rng, Count);

    private static byte[] Bits(Tensor t) => t.DType == DType.Float32
        ? MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray()
        : MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray();

    /// <summary>Runs f on 1 thread and on 2 and 3; the results must be the same bits.</summary>
    private static void SameOnAnyThreadCount(string what, Func<Tensor[]> f)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            var one = f().Select(Bits).ToArray();
            foreach (int threads in new[] { 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                var many = f().Select(Bits).ToArray();
                for (int i = 0; i < one.Length; i++)
                {
                    int at = -1;
                    for (int j = 0; j < one[i].Length; j++) if (one[i][j] != many[i][j]) { at = j; break; }
                    Assert.True(at < 0, $"{what}: result {i} differs on {threads} threads at byte {at}");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void Large_element_wise_ops_give_the_bits_of_one_thread_forward_and_backward(DType dtype)
    {
        var rng = new Generator(150);
        Tensor Leaf()
        {
            var t = dtype == DType.Float32 ? Tensor.FromArray(Values<float>(rng), Count) : Tensor.FromArray(Values<double>(rng), Count);
            t.RequiresGrad = true;
            return t;
        }
        var a = Leaf();
        var b = Leaf();
        var up = Leaf().Detach();
        var scalar = dtype == DType.Float32 ? Tensor.FromArray(new[] { 0.75f }, 1) : Tensor.FromArray(new[] { 0.75 }, 1);

        using (Autograd.NoGrad())
        {
            // Not Exp, Log or Sigmoid: they are not sliced (Elementwise.SliceSafe), and a float64 Sigmoid of this input once
            // differed by 1 ulp at element 5 between two calls in this test process, slicing or not (unexplained).
            SameOnAnyThreadCount("unary", () => [a.Neg(), a.Abs(), a.Sqrt(), a.Relu(), a.Tanh()]);
            SameOnAnyThreadCount("binary", () => [a + b, a - b, a * b, a / b, a.Maximum(b), a.Minimum(b), a.Pow(b), a.Gt(b), a + scalar, scalar - a, a * 2.5]);
        }
        SameOnAnyThreadCount("backward", () =>
        {
            a.Grad = null;
            b.Grad = null;
            var y = a.Relu() * up + b.Tanh() * up;
            y.Sum().Backward();
            return [a.Grad!, b.Grad!];
        });
    }
}
