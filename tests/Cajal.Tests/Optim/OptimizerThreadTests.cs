using Cajal.Tests.Support;
using Cajal.Optim;

namespace Cajal.Tests.Optim;

/// <summary>
/// Large parameters are updated in slices over the threads (OptimizerKernels.ForSlices): every optimizer must give the
/// same bits on any thread count, including a length that is not a multiple of the slice alignment.
/// </summary>
public class OptimizerThreadTests
{
    private static float[] Run(int threads, Func<Tensor[], Optimizer> make) => Threads.With(threads, () =>
    {
        var rng = new Generator(21);
        var p = Tensor.RandN([300_007], rng, requiresGrad: true);   // above the parallel threshold, odd length
        var optimizer = make([p]);
        for (int step = 0; step < 3; step++)
        {
            p.Grad = Tensor.RandN([300_007], rng);
            optimizer.Step();
        }
        return p.ToArray<float>();
    });

    public static TheoryData<string> Names() => new() { "sgd", "sgd_nesterov", "adam", "adamw_amsgrad", "rmsprop", "adagrad" };

    private static Optimizer Make(string name, Tensor[] p) => name switch
    {
        "sgd" => new Sgd(p, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
        "sgd_nesterov" => new Sgd(p, lr: 0.1, momentum: 0.9, nesterov: true),
        "adam" => new Adam(p, lr: 0.01, weightDecay: 0.1),
        "adamw_amsgrad" => new AdamW(p, lr: 0.01, amsgrad: true),
        "rmsprop" => new RmsProp(p, lr: 0.01, momentum: 0.5, centered: true),
        _ => new Adagrad(p, lr: 0.1, lrDecay: 0.01),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Updates_give_the_same_bits_on_any_thread_count(string name)
    {
        var one = Run(1, p => Make(name, p));
        foreach (int threads in new[] { 2, 3 })
            Assert.Equal(one, Run(threads, p => Make(name, p)));
    }
}
