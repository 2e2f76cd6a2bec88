using Cajal.Nn;
using Cajal.Optim;

namespace Cajal.Tests.Optim;

/// <summary>The training loop of docs/optimizers.md, run as written.</summary>
public class TrainingLoopExampleTests
{
    [Fact]
    public void The_documented_loop_fits_a_parabola_with_AdamW_warm_up_cosine_and_clipping()
    {
        // --- docs/optimizers.md, "A training loop" ---
        var rng = new Generator(seed: 42);
        var x = Tensor.Linspace(-3, 3, 64).Reshape(64, 1);
        var y = x.Pow(2.0) * 0.3 - 1.0;                  // fit a parabola

        var model = new Sequential(new Linear(1, 32, generator: rng), new Tanh(), new Linear(32, 1, generator: rng));
        var optimizer = new AdamW(model.Parameters(), lr: 0.01, weightDecay: 1e-4);
        int epochs = 300, warmup = 10;
        var scheduler = new SequentialLR(optimizer,
            [new LinearLR(optimizer, startFactor: 0.1, totalIters: warmup),
             new CosineAnnealingLR(optimizer, tMax: epochs - warmup, etaMin: 1e-4)],
            milestones: [warmup]);

        double first = 0, last = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var loss = (model.Forward(x) - y).Pow(2.0).Mean();
            optimizer.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), maxNorm: 1.0);
            optimizer.Step();
            scheduler.Step();
            if (epoch == 0) first = loss.Item();
            last = loss.Item();
        }
        // --- end of the documented loop ---
        Console.WriteLine($"TRAINING-LOOP first {first:G4} last {last:G4} final lr {optimizer.ParamGroups[0].Lr:G4}");
        Assert.True(last < first / 20, $"loss {first} → {last}");
        Assert.Equal(1e-4, optimizer.ParamGroups[0].Lr, 12);
    }
}
