using System.Diagnostics;
using System.Globalization;
using Cajal.Data;
using Cajal.Models;
using Cajal.Nn;

namespace Cajal.Cli.Bench;

/// <summary>Sample counts and sizes of one benchmark run (the anchors' defaults, or run.sh's QUICK=1 ones).</summary>
internal sealed record BenchPlan(
    int MlpEpochs, int LenetEpochs, int RepsSmall, int RepsGemm, int RepsConv, int RepsInfer, int[] GemmSizes)
{
    /// <summary>The anchors' full run: <c>run.sh</c> with its default arguments.</summary>
    public static BenchPlan Full { get; } = new(5, 3, 5, 7, 10, 7, [256, 512, 1024, 2048]);

    /// <summary><c>QUICK=1 run.sh</c>: one epoch each, fewer samples, small products only.</summary>
    public static BenchPlan Quick { get; } = new(1, 1, 2, 3, 3, 2, [256, 512]);
}

/// <summary>The six workloads of <c>../shared/anchors/WORKLOADS.md</c>, as <c>pytorch/bench.py</c> runs them.</summary>
/// <remarks>
/// Each workload reports through <see cref="Emit"/> as soon as it finishes (one record per line), and writes progress to
/// <see cref="Log"/>. Seeds are Cajal's own generators (Cajal does not reproduce torch's random streams), so
/// accuracies agree with the anchors' only statistically; the article's weights are the anchors' constants.
/// </remarks>
internal sealed class BenchWorkloads
{
    public const string Anchor = "cajal";
    public const int Batch = 64;
    public const double Lr = 0.05;
    public const double Momentum = 0.9;
    public const int ArticleIters = 1500;

    /// <summary>The article's initial weights, W1 (3×4) row-major then W2 (4×1): <c>common/bench_common.py</c>'s
    /// ARTICLE_W1/ARTICLE_W2 (torch.rand float64, seed 1; the golden file's w0/w1), cast to float32 when used.</summary>
    public static readonly double[] ArticleW1 =
    [
        0.06105327471962363, 0.2245545065676504, 0.23425251394483937, 0.17709922744775553,
        0.5560680561489946, 0.1094438536552077, 0.46091288943802844, 0.7083652828912927,
        0.579776256341492, 0.49666731181665336, 0.5103751722686353, 0.3295376417866529,
    ];

    /// <inheritdoc cref="ArticleW1"/>
    public static readonly double[] ArticleW2 = [0.7182061402573079, 0.3845111034284687, 0.08979679794974671, 0.11745591829396362];

    /// <summary>W5's shape: input (32, 64, 32, 32), weight (64, 64, 3, 3), padding 1.</summary>
    public static readonly (int Batch, int Cin, int Cout, int H, int W, int K, int Pad) Conv = (32, 64, 64, 32, 32, 3, 1);

    public static double ConvFlopsForward => 2.0 * Conv.Batch * Conv.Cout * Conv.H * Conv.W * Conv.Cin * Conv.K * Conv.K;

    public static double ConvFlopsForwardBackward => 3.0 * ConvFlopsForward;

    private readonly int _threads;
    private readonly BenchPlan _plan;
    private readonly string? _dataDir;
    private readonly Dictionary<string, Sequential> _trained = [];
    private FashionData? _data;
    private string? _dataError;

    public BenchWorkloads(int threads, BenchPlan plan, string? dataDir, Action<BenchRecord> emit, TextWriter log)
    {
        _threads = threads;
        _plan = plan;
        _dataDir = dataDir;
        Emit = emit;
        Log = log;
    }

    public Action<BenchRecord> Emit { get; }

    public TextWriter Log { get; }

    private static string Cfg => $"Parallelism.MaxThreads={Parallelism.MaxThreads}, processors={Environment.ProcessorCount}, " +
                         $"server GC={System.Runtime.GCSettings.IsServerGC}";

    private static BenchRecord Record(string workload, int threads, Dictionary<string, object?> metrics, SampleStats? seconds,
        Dictionary<string, object?>? extra = null)
    {
        var all = new Dictionary<string, object?> { ["cfg"] = Cfg };
        foreach (var (k, v) in extra ?? []) all[k] = v;
        return new BenchRecord(Anchor, workload, threads) { Extra = all, Metrics = metrics, Seconds = seconds };
    }

    /// <summary>Runs the named workloads in the anchors' order (article, mlp, lenet, gemm, conv, infer).</summary>
    public void Run(IReadOnlySet<string> workloads)
    {
        Parallelism.MaxThreads = _threads;
        Emit(Record("env", _threads, new()
        {
            ["cajal"] = typeof(Tensor).Assembly.GetName().Version?.ToString(),
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["processors"] = Environment.ProcessorCount,
            ["avx512f"] = System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
            ["avx2"] = System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            ["vector512_accelerated"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
            ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
            ["gc_latency_mode"] = System.Runtime.GCSettings.LatencyMode.ToString(),
            // The GC settings in effect (the CLI's runtimeconfig or DOTNET_GC* variables): they move the timings.
            ["gc_settings"] = GcSettings(),
            ["tiered_pgo"] = Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? "default",
        }, null));

        if (workloads.Overlaps(["mlp", "lenet", "infer"]))
            LoadData();
        if (workloads.Contains("article")) Article();
        if (workloads.Contains("mlp")) Training("mlp", conv: false, _plan.MlpEpochs);
        if (workloads.Contains("lenet")) Training("lenet", conv: true, _plan.LenetEpochs);
        if (workloads.Contains("gemm")) GemmWorkload();
        if (workloads.Contains("conv")) ConvWorkload();
        if (workloads.Contains("infer"))
        {
            Inference("mlp");
            Inference("lenet");
        }
    }

    // ------------------------------------------------------------------ data
    private sealed record FashionData(Tensor TrainX, Tensor TrainY, Tensor TestX, Tensor TestY, double LoadSeconds);

    private void LoadData()
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var train = MnistFamily.FashionMnist(train: true, _dataDir);
            var test = MnistFamily.FashionMnist(train: false, _dataDir);
            var (trainX, trainY) = ToTensors(train);
            var (testX, testY) = ToTensors(test);
            double seconds = sw.Elapsed.TotalSeconds;
            _data = new FashionData(trainX, trainY, testX, testY, seconds);
            Emit(Record("data_load", 1, new() { ["train"] = train.Count, ["test"] = test.Count }, SampleStats.Of([seconds])));
        }
        catch (Exception e) when (e is DatasetNotFoundException or IOException or InvalidDataException)
        {
            _dataError = e.Message;
            Log.WriteLine($"[cajal] Fashion-MNIST not available, skipping mlp, lenet and infer: {e.Message}");
        }
    }

    // Pixels scaled to [0, 1] as float32 (N, 1, 28, 28), labels int64 (N): the whole split in two tensors.
    private static (Tensor Images, Tensor Labels) ToTensors(ByteImageDataset set)
    {
        int size = set.Channels * set.Height * set.Width;
        var pixels = new float[set.Count * size];
        var labels = new long[set.Count];
        for (int i = 0; i < set.Count; i++)
        {
            var bytes = set.ImageBytes(i);
            var dst = pixels.AsSpan(i * size, size);
            for (int j = 0; j < size; j++) dst[j] = bytes[j] / 255f;
            labels[i] = set.Label(i);
        }
        return (Tensor.FromArray(pixels, set.Count, set.Channels, set.Height, set.Width), Tensor.FromArray(labels, set.Count));
    }

    private bool HaveData(string workload)
    {
        if (_data is not null) return true;
        Log.WriteLine($"[cajal] {workload}: skipped, Fashion-MNIST not found (install dataset-fashion-mnist or set FASHION_MNIST_DIR).");
        Emit(Record(workload, _threads, new(), null, new() { ["skipped"] = _dataError ?? "Fashion-MNIST not found" }));
        return false;
    }

    /// <summary>The GC's effective generation-0 budget cap, large-object threshold and RetainVM, as the runtime reports them.</summary>
    private static string GcSettings()
    {
        var all = GC.GetConfigurationVariables();
        string Value(string key) => all.TryGetValue(key, out var v) ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "" : "?";
        return $"GCGen0MaxBudget={Value("GCGen0MaxBudget")} LOHThreshold={Value("LOHThreshold")} RetainVM={Value("RetainVM")}";
    }

    // ------------------------------------------------------------------ W1
    private void Article()
    {
        var x = Tensor.FromArray(new float[] { 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1 }, 4, 3);
        var y = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 4, 1);
        var w1Start = Tensor.FromArray(ArticleW1.Select(v => (float)v).ToArray(), 3, 4);
        var w2Start = Tensor.FromArray(ArticleW2.Select(v => (float)v).ToArray(), 4, 1);

        (float[] Pred, double Loss) Train(int iters)
        {
            var w1 = w1Start.Clone();
            w1.RequiresGrad = true;
            var w2 = w2Start.Clone();
            w2.RequiresGrad = true;
            for (int i = 0; i < iters; i++)
            {
                var output = x.MatMul(w1).Sigmoid().MatMul(w2).Sigmoid();
                var loss = (y - output).Pow(2).Sum();
                loss.Backward();
                using (Autograd.NoGrad())
                {
                    w1.SubInPlace(w1.Grad!);   // learning rate 1: w += −∂L/∂w
                    w2.SubInPlace(w2.Grad!);
                }
                w1.Grad = null;
                w2.Grad = null;
            }
            using (Autograd.NoGrad())
            {
                var output = x.MatMul(w1).Sigmoid().MatMul(w2).Sigmoid();
                var loss = (y - output).Pow(2).Sum();
                return (output.ToArray<float>(), loss.Item());
            }
        }

        Train(100);   // warm-up
        var samples = new List<double>();
        (float[] Pred, double Loss) result = ([], double.NaN);
        var alloc = AllocationProbe.Start();
        for (int r = 0; r < _plan.RepsSmall; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            result = Train(ArticleIters);
            samples.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        var used = alloc.Stop();
        var st = SampleStats.Of(samples);
        var metrics = new Dictionary<string, object?>
        {
            ["iters"] = ArticleIters,
            ["final_loss"] = result.Loss,
            ["pred"] = result.Pred.Select(v => (double)v).ToArray(),
            ["us_per_iter_median"] = 1e6 * st.Median / ArticleIters,
        };
        used.AddTo(metrics, "iter", (long)_plan.RepsSmall * ArticleIters);
        Emit(Record("article", _threads, metrics, st, new() { ["impl"] = "autograd" }));
    }

    // ------------------------------------------------------------------ W2 / W3
    private static Sequential MakeModel(string name, ulong seed) =>
        name == "mlp" ? Classifiers.Mlp(generator: new Generator(seed)) : Classifiers.LeNet5(generator: new Generator(seed));

    private static long[] Permutation(int n, Generator generator)
    {
        var order = new long[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>One epoch: shuffle, then per batch gather, forward, cross-entropy, backward, SGD step.</summary>
    private static (double LastLoss, int Steps) TrainEpoch(Sequential model, Optim.Sgd optimizer, Tensor trainX, Tensor trainY,
        Generator generator, int? maxBatches = null)
    {
        model.Train();
        int n = trainX.Shape[0];
        var perm = Permutation(n, generator);
        Tensor? loss = null;
        int steps = 0;
        for (int i = 0; i < n; i += Batch)
        {
            int count = Math.Min(Batch, n - i);
            var idx = Tensor.FromArray(perm.AsSpan(i, count).ToArray(), count);
            var xb = trainX.Index(idx);
            var yb = trainY.Index(idx);
            optimizer.ZeroGrad(setToNone: true);
            loss = Functional.CrossEntropy(model.Forward(xb), yb);
            loss.Backward();
            optimizer.Step();
            steps++;
            if (maxBatches is { } max && steps >= max) break;
        }
        return (loss?.Item() ?? double.NaN, steps);
    }

    private static double Evaluate(Sequential model, Tensor x, Tensor y, int batch = 1000)
    {
        model.Eval();
        long correct = 0;
        int n = x.Shape[0];
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < n; i += batch)
            {
                int count = Math.Min(batch, n - i);
                var predicted = model.Forward(x.Narrow(0, i, count)).ArgMax(1).ToArray<long>();
                var labels = y.Narrow(0, i, count).ToArray<long>();
                for (int k = 0; k < count; k++) if (predicted[k] == labels[k]) correct++;
            }
        }
        return (double)correct / n;
    }

    private void Training(string name, bool conv, int epochs)
    {
        if (!HaveData(name)) return;
        var d = _data!;
        // Warm-up on a throw-away model: JIT tiering, pooled buffers, page faults.
        var warm = MakeModel(name, 123);
        var warmOpt = new Optim.Sgd(warm.Parameters(), Lr, Momentum);
        TrainEpoch(warm, warmOpt, d.TrainX, d.TrainY, new Generator(123), maxBatches: 200);
        Evaluate(warm, d.TestX.Narrow(0, 0, 2000), d.TestY.Narrow(0, 0, 2000));

        var model = MakeModel(name, 0);
        var optimizer = new Optim.Sgd(model.Parameters(), Lr, Momentum);
        var shuffle = new Generator(1);
        var times = new List<double>();
        var metrics = new Dictionary<string, object?>();
        var accs = new Dictionary<string, object?>();
        long steps = 0;
        var alloc = AllocationProbe.Start();
        var perEpochBytes = new List<double>();
        for (int ep = 1; ep <= epochs; ep++)
        {
            long bytes0 = GC.GetTotalAllocatedBytes(precise: true);
            long t0 = Stopwatch.GetTimestamp();
            var (lastLoss, s) = TrainEpoch(model, optimizer, d.TrainX, d.TrainY, shuffle);
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            perEpochBytes.Add((GC.GetTotalAllocatedBytes(precise: true) - bytes0) / (double)s);
            alloc.Pause();
            times.Add(dt);
            steps += s;
            if (ep == 1 || ep == epochs)
                accs[$"test_acc_epoch{ep}"] = Evaluate(model, d.TestX, d.TestY);
            Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[cajal] {name} epoch {ep}: {dt:F2}s last-batch loss {lastLoss:F4} {string.Join(", ", accs.Select(a => $"{a.Key}={a.Value:F4}"))}"));
            alloc.Resume();
        }
        var used = alloc.Stop();
        var st = SampleStats.Of(times);
        metrics["epoch_s_median"] = st.Median;
        metrics["epoch_s_min"] = st.Min;
        metrics["train_img_per_s_median"] = d.TrainX.Shape[0] / st.Median;
        metrics["epochs"] = epochs;
        metrics["data_load_s"] = d.LoadSeconds;
        foreach (var (k, v) in accs) metrics[k] = v;
        used.AddTo(metrics, "step", steps);
        metrics["alloc_bytes_per_step_by_epoch"] = perEpochBytes.Select(b => Math.Round(b)).ToArray();
        metrics["steps_per_epoch"] = steps / epochs;
        metrics["gc_gen0_per_epoch"] = (double)used.Gen0 / epochs;
        metrics["gc_gen1_per_epoch"] = (double)used.Gen1 / epochs;
        metrics["gc_gen2_per_epoch"] = (double)used.Gen2 / epochs;
        Emit(Record(name, _threads, metrics, st, new()
        {
            ["batch"] = Batch, ["lr"] = Lr, ["momentum"] = Momentum,
            ["timing"] = "one sample per training epoch (shuffle+gather+fwd+bwd+step), eval excluded",
        }));
        _trained[name] = model;
    }

    // ------------------------------------------------------------------ W4
    private void GemmWorkload()
    {
        var g = new Generator(0);
        int[] threadCounts = _threads == 1 ? [1] : [1, _threads];
        foreach (int threads in threadCounts)
        {
            Parallelism.MaxThreads = threads;
            foreach (int n in _plan.GemmSizes)
            {
                var a = Tensor.Rand([n, n], g);
                var b = Tensor.Rand([n, n], g);
                double flops = 2.0 * n * n * n;
                using (Autograd.NoGrad())
                {
                    Tensor c;
                    for (int w = 0; w < 3; w++) c = a.MatMul(b);   // warm-up
                    long t0 = Stopwatch.GetTimestamp();
                    c = a.MatMul(b);
                    double one = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    int inner = Math.Max(1, (int)(0.1 / Math.Max(one, 1e-6)));   // one sample lasts ≥ ~0.1 s
                    var samples = new List<double>();
                    var alloc = AllocationProbe.Start();
                    for (int r = 0; r < _plan.RepsGemm; r++)
                    {
                        t0 = Stopwatch.GetTimestamp();
                        for (int i = 0; i < inner; i++) c = a.MatMul(b);
                        samples.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds / inner);
                    }
                    var used = alloc.Stop();
                    var st = SampleStats.Of(samples);
                    var metrics = new Dictionary<string, object?>
                    {
                        ["n"] = n,
                        ["gflops_best"] = flops / st.Min / 1e9,
                        ["gflops_median"] = flops / st.Median / 1e9,
                        ["inner_reps"] = inner,
                    };
                    used.AddTo(metrics, "product", (long)_plan.RepsGemm * inner);
                    Emit(Record("gemm", threads, metrics, st, new() { ["n"] = n }));
                }
            }
        }
        Parallelism.MaxThreads = _threads;
    }

    // ------------------------------------------------------------------ W5
    private void ConvWorkload()
    {
        var c = Conv;
        var g = new Generator(0);
        var x = Tensor.RandN([c.Batch, c.Cin, c.H, c.W], g);
        x.RequiresGrad = true;
        var w = Tensor.RandN([c.Cout, c.Cin, c.K, c.K], g) * 0.05;
        w.RequiresGrad = true;
        var gout = Tensor.RandN([c.Batch, c.Cout, c.H, c.W], g);
        int[] padding = [c.Pad, c.Pad];

        void Step()
        {
            var output = Functional.Conv2d(x, w, padding: padding);
            output.Backward(gout);   // ∂/∂x and ∂/∂w for the fixed upstream gradient
            x.Grad = null;
            w.Grad = null;
        }

        void Forward()
        {
            using (Autograd.NoGrad()) Functional.Conv2d(x, w, padding: padding);
        }

        for (int i = 0; i < 3; i++) Step();
        var alloc = AllocationProbe.Start();
        var samples = Enumerable.Range(0, _plan.RepsConv).Select(_ => Time(Step)).ToList();
        var used = alloc.Stop();
        var forward = Enumerable.Range(0, _plan.RepsConv).Select(_ => Time(Forward)).ToList();
        var st = SampleStats.Of(samples);
        var fst = SampleStats.Of(forward);
        var metrics = new Dictionary<string, object?>
        {
            ["ms_per_iter_median"] = 1e3 * st.Median,
            ["ms_per_iter_min"] = 1e3 * st.Min,
            ["gflops_median"] = ConvFlopsForwardBackward / st.Median / 1e9,
            ["gflops_best"] = ConvFlopsForwardBackward / st.Min / 1e9,
            ["fwd_only_ms_median"] = 1e3 * fst.Median,
            ["fwd_only_gflops_median"] = ConvFlopsForward / fst.Median / 1e9,
            ["gflop_per_iter"] = ConvFlopsForwardBackward / 1e9,
        };
        used.AddTo(metrics, "iter", _plan.RepsConv);
        Emit(Record("conv", _threads, metrics, st, new()
        {
            ["shape"] = new Dictionary<string, object?>
            {
                ["batch"] = c.Batch, ["cin"] = c.Cin, ["cout"] = c.Cout, ["h"] = c.H, ["w"] = c.W, ["k"] = c.K, ["pad"] = c.Pad,
            },
            ["bias"] = false,
        }));
    }

    private static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    // ------------------------------------------------------------------ W6
    private void Inference(string name)
    {
        string workload = "infer_" + name;
        if (!HaveData(workload)) return;
        var testX = _data!.TestX;
        bool trained = _trained.TryGetValue(name, out var model);
        model ??= MakeModel(name, 0);
        model.Eval();
        int n = testX.Shape[0];

        void Pass()
        {
            using (Autograd.NoGrad())
                for (int i = 0; i < n; i += 1000)
                    model.Forward(testX.Narrow(0, i, Math.Min(1000, n - i)));
        }

        Pass();
        Pass();
        var alloc = AllocationProbe.Start();
        var samples = Enumerable.Range(0, _plan.RepsInfer).Select(_ => Time(Pass)).ToList();
        var used = alloc.Stop();
        var st = SampleStats.Of(samples);
        var metrics = new Dictionary<string, object?>
        {
            ["img_per_s_median"] = n / st.Median,
            ["img_per_s_best"] = n / st.Min,
            ["trained_weights"] = trained,
        };
        used.AddTo(metrics, "pass", _plan.RepsInfer);
        Emit(Record(workload, _threads, metrics, st, new() { ["batch"] = 1000, ["images"] = n }));
    }
}

/// <summary>Bytes allocated (all threads) and garbage collections over a stretch of work, with pauses left out.</summary>
internal sealed class AllocationProbe
{
    private long _bytes, _gen0, _gen1, _gen2;
    private TimeSpan _pause;

    private AllocationProbe() { }

    public long Bytes { get; private set; }

    public int Gen0 { get; private set; }

    public int Gen1 { get; private set; }

    public int Gen2 { get; private set; }

    public double PauseMs { get; private set; }

    public static AllocationProbe Start()
    {
        var probe = new AllocationProbe();
        probe.Resume();
        return probe;
    }

    public void Resume()
    {
        _bytes = GC.GetTotalAllocatedBytes(precise: true);
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _pause = GC.GetTotalPauseDuration();
    }

    public void Pause()
    {
        Bytes += GC.GetTotalAllocatedBytes(precise: true) - _bytes;
        Gen0 += (int)(GC.CollectionCount(0) - _gen0);
        Gen1 += (int)(GC.CollectionCount(1) - _gen1);
        Gen2 += (int)(GC.CollectionCount(2) - _gen2);
        PauseMs += (GC.GetTotalPauseDuration() - _pause).TotalMilliseconds;
    }

    public AllocationProbe Stop()
    {
        Pause();
        return this;
    }

    /// <summary>Adds alloc_bytes_per_{unit}, gc_gen{0,1,2} (totals over the timed work) and gc_pause_ms.</summary>
    public void AddTo(Dictionary<string, object?> metrics, string unit, long units)
    {
        metrics[$"alloc_bytes_per_{unit}"] = Math.Round((double)Bytes / Math.Max(1, units));
        metrics["gc_gen0"] = Gen0;
        metrics["gc_gen1"] = Gen1;
        metrics["gc_gen2"] = Gen2;
        metrics["gc_pause_ms"] = Math.Round(PauseMs, 3);
    }
}
