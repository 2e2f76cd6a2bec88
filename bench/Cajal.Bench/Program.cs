using BenchmarkDotNet.Running;

// Micro-benchmarks of Cajal's kernels and of the autograd overhead.
//   dotnet run -c Release --project bench/Cajal.Bench -- --filter '*'
// Each kernel is measured beside its plain scalar loop, so a speed-up is a ratio from one run.
BenchmarkSwitcher.FromAssembly(typeof(Cajal.Bench.ElementwiseBenchmarks).Assembly).Run(args);
