using System.Text.Json;
using System.Text.Json.Nodes;
using Cajal.Optim;

namespace Cajal.Tests.Optim;

public class SchedulerTests
{
    /// <summary>Relative tolerance against PyTorch's sequences; the same formulas in the same order usually agree exactly.</summary>
    private const double Rtol = 1e-14;

    private static JsonArray Cases()
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(OptimGoldenTests.ExtraDir(), "schedulers", "schedulers.json")))!.AsObject();
        Assert.Equal("cajal-schedulers/1", root["format"]!.GetValue<string>());
        return root["cases"]!.AsArray();
    }

    public static TheoryData<string> CaseNames => [.. Cases().Select(c => c!["name"]!.GetValue<string>())];

    private static double D(JsonNode? n, double fallback) => n is null ? fallback : n.GetValue<double>();

    private static Optimizer MakeOptimizer(JsonObject spec)
    {
        var lrs = spec["lr"]!.AsArray().Select(n => n!.GetValue<double>()).ToList();
        List<Tensor> P() => [Tensor.Zeros([2], requiresGrad: true)];
        double momentum = D(spec["momentum"], 0);
        return spec["type"]!.GetValue<string>() switch
        {
            "sgd" => new Sgd(lrs.Select(lr => new ParamGroup<SgdOptions>(P(), o => o with { Lr = lr })), lr: lrs[0], momentum: momentum),
            "adam" => new Adam(lrs.Select(lr => new ParamGroup<AdamOptions>(P(), o => o with { Lr = lr })), lr: lrs[0]),
            "rmsprop" => new RmsProp(lrs.Select(lr => new ParamGroup<RmsPropOptions>(P(), o => o with { Lr = lr })), lr: lrs[0], momentum: momentum),
            "adagrad" => new Adagrad(lrs.Select(lr => new ParamGroup<AdagradOptions>(P(), o => o with { Lr = lr })), lr: lrs[0]),
            var t => throw new ArgumentException(t),
        };
    }

    private static IReadOnlyList<double> List(JsonNode? n, int groups) =>
        n is JsonArray a ? [.. a.Select(v => v!.GetValue<double>())] : [.. Enumerable.Repeat(n!.GetValue<double>(), groups)];

    private static object MakeScheduler(Optimizer o, JsonObject s)
    {
        int I(string k, int f) => s[k] is JsonNode n ? n.GetValue<int>() : f;
        double F(string k, double f) => D(s[k], f);
        bool B(string k, bool f) => s[k] is JsonNode n ? n.GetValue<bool>() : f;
        string Str(string k, string f) => s[k] is JsonNode n ? n.GetValue<string>() : f;
        int groups = o.ParamGroups.Count;
        return s["type"]!.GetValue<string>() switch
        {
            "StepLR" => new StepLR(o, I("step_size", 0), F("gamma", 0.1)),
            "MultiStepLR" => new MultiStepLR(o, s["milestones"]!.AsArray().Select(n => n!.GetValue<int>()), F("gamma", 0.1)),
            "ExponentialLR" => new ExponentialLR(o, F("gamma", 0)),
            "CosineAnnealingLR" => new CosineAnnealingLR(o, I("T_max", 0), F("eta_min", 0)),
            "LinearLR" => new LinearLR(o, F("start_factor", 1.0 / 3), F("end_factor", 1.0), I("total_iters", 5)),
            "OneCycleLR" => new OneCycleLR(o, List(s["max_lr"], groups), I("total_steps", 0), F("pct_start", 0.3),
                Str("anneal_strategy", "cos") == "cos" ? AnnealStrategy.Cos : AnnealStrategy.Linear, B("cycle_momentum", true),
                List(s["base_momentum"] ?? 0.85, groups), List(s["max_momentum"] ?? 0.95, groups), F("div_factor", 25), F("final_div_factor", 1e4),
                B("three_phase", false)),
            "ReduceLROnPlateau" => new ReduceLROnPlateau(o, Str("mode", "min") == "min" ? PlateauMode.Min : PlateauMode.Max, F("factor", 0.1),
                I("patience", 10), F("threshold", 1e-4), Str("threshold_mode", "rel") == "rel" ? ThresholdMode.Rel : ThresholdMode.Abs,
                I("cooldown", 0), F("min_lr", 0), F("eps", 1e-8)),
            var t => throw new ArgumentException(t),
        };
    }

    private static void Close(JsonNode expectedRow, IReadOnlyList<double> actual, string what)
    {
        var expected = expectedRow.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Rtol * Math.Abs(expected[i]),
                $"{what} group {i}: {actual[i]:R}, PyTorch {expected[i]:R}");
    }

    /// <summary>Runs a case: builds the optimizer and schedulers, steps them, and returns the rates and momenta after each step.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Learning_rates_and_momenta_match_PyTorch_1_13(string name)
    {
        var c = Cases().First(x => x!["name"]!.GetValue<string>() == name)!.AsObject();
        var optimizer = MakeOptimizer(c["optimizer"]!.AsObject());
        var schedulers = c["schedulers"]!.AsArray().Select(s => MakeScheduler(optimizer, s!.AsObject())).ToList();
        var steppers = schedulers;
        if (c["milestones"] is JsonArray milestones)
            steppers = [new SequentialLR(optimizer, schedulers.Cast<LRScheduler>(), milestones.Select(m => m!.GetValue<int>()))];
        var metrics = c["metrics"]?.AsArray().Select(m => m!.GetValue<double>()).ToArray();
        var lr = c["lr"]!.AsArray();
        var momentum = c["momentum"]?.AsArray();
        IReadOnlyList<double> Lrs() => [.. optimizer.ParamGroups.Select(g => g.Lr)];
        IReadOnlyList<double> Momenta() => [.. optimizer.ParamGroups.Select(g => g.Momentum ?? double.NaN)];

        Close(lr[0]!, Lrs(), $"{name} after construction");
        if (momentum is not null) Close(momentum[0]!, Momenta(), $"{name} momentum after construction");
        int steps = c["steps"]!.GetValue<int>();
        for (int k = 0; k < steps; k++)
        {
            foreach (var s in steppers)
            {
                if (s is ReduceLROnPlateau plateau) plateau.Step(metrics![k]);
                else ((LRScheduler)s).Step();
            }
            Close(lr[k + 1]!, Lrs(), $"{name} step {k + 1}");
            if (momentum is not null) Close(momentum[k + 1]!, Momenta(), $"{name} momentum step {k + 1}");
            if (steppers[^1] is LRScheduler last) Close(lr[k + 1]!, last.LastLr, $"{name} LastLr step {k + 1}");
        }
    }

    [Fact]
    public void OneCycleLR_refuses_to_step_past_its_total_and_an_optimizer_without_momentum()
    {
        var sgd = new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 0.1, momentum: 0.9);
        var cycle = new OneCycleLR(sgd, maxLr: 1.0, totalSteps: 4);
        for (int i = 0; i < 4; i++) cycle.Step();   // PyTorch allows stepping to total_steps
        Assert.Contains("tried to step 6 times", Assert.Throws<InvalidOperationException>(cycle.Step).Message);
        var adagrad = new Adagrad([Tensor.Zeros([1], requiresGrad: true)]);
        Assert.Contains("Adagrad has no momentum to cycle", Assert.Throws<ArgumentException>(() => new OneCycleLR(adagrad, 0.1, 10)).Message);
        Assert.Contains("zero length", Assert.Throws<ArgumentException>(() => new OneCycleLR(sgd, 0.1, 10, pctStart: 0.1)).Message);
    }

    [Fact]
    public void Invalid_scheduler_arguments_are_rejected()
    {
        var sgd = new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 0.1);
        Assert.Throws<ArgumentException>(() => new StepLR(sgd, stepSize: 0));
        Assert.Throws<ArgumentException>(() => new ExponentialLR(sgd, gamma: double.NaN));
        Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(sgd, tMax: 0));
        Assert.Throws<ArgumentException>(() => new LinearLR(sgd, startFactor: 0));
        Assert.Throws<ArgumentException>(() => new LinearLR(sgd, endFactor: 1.5));
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(sgd, factor: 1.0));
        Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(sgd, [0.1, 0.2]));
        var a = new StepLR(sgd, 2);
        var other = new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 0.1);
        Assert.Contains("same optimizer", Assert.Throws<ArgumentException>(() => new SequentialLR(other, [a], [])).Message);
        Assert.Contains("one milestone fewer", Assert.Throws<ArgumentException>(() => new SequentialLR(sgd, [a], [3])).Message);
    }

    private static (Sgd Optimizer, Func<Sgd, LRScheduler> Make) Warmup() =>
        (new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 0.2, momentum: 0.9),
         o => new SequentialLR(o, [new LinearLR(o, 0.1, totalIters: 3), new OneCycleLR(o, 0.5, 20)], [3]));

    [Fact]
    public void A_scheduler_resumed_from_its_state_dict_continues_the_same_sequence()
    {
        var (o1, make) = Warmup();
        var s1 = make(o1);
        var reference = new List<double>();
        for (int i = 0; i < 12; i++) { s1.Step(); reference.Add(o1.ParamGroups[0].Lr); }

        var (o2, _) = Warmup();
        var s2 = make(o2);
        for (int i = 0; i < 5; i++) s2.Step();
        string savedScheduler = s2.StateDict().ToJsonString();
        var savedOptimizer = o2.StateDict();

        var (o3, _) = Warmup();
        var s3 = make(o3);
        o3.LoadStateDict(savedOptimizer);
        s3.LoadStateDict(JsonNode.Parse(savedScheduler)!.AsObject());
        var resumed = new List<double>();
        for (int i = 5; i < 12; i++) { s3.Step(); resumed.Add(o3.ParamGroups[0].Lr); }
        Assert.Equal(reference.Skip(5), resumed);
        Assert.Equal(o1.ParamGroups[0].Momentum, o3.ParamGroups[0].Momentum);
    }

    [Fact]
    public void ReduceLROnPlateau_state_round_trips_including_an_infinite_best()
    {
        var sgd = new Sgd([Tensor.Zeros([1], requiresGrad: true)], lr: 1.0);
        var plateau = new ReduceLROnPlateau(sgd, patience: 1);
        var json = plateau.StateDict().ToJsonString();
        Assert.Contains("\"Infinity\"", json);
        plateau.Step(3.0); plateau.Step(3.0);
        var again = new ReduceLROnPlateau(sgd, patience: 1);
        again.LoadStateDict(JsonNode.Parse(plateau.StateDict().ToJsonString())!.AsObject());
        Assert.Equal(3.0, again.Best);
        Assert.Equal(1, again.NumBadEpochs);
        again.Step(3.0);
        Assert.Equal(0.1, sgd.ParamGroups[0].Lr, 15);
        var wrongMode = new ReduceLROnPlateau(sgd, mode: PlateauMode.Max);
        Assert.Throws<ArgumentException>(() => wrongMode.LoadStateDict(JsonNode.Parse(json)!.AsObject()));
        Assert.Throws<ArgumentException>(() => new StepLR(sgd, 3).LoadStateDict(JsonNode.Parse(json)!.AsObject()));
    }
}
