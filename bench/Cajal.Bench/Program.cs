using BenchmarkDotNet.Running;

// Micro-benchmarks of Cajal's kernels and of the autograd overhead.
//   dotnet run -c Release --project bench/Cajal.Bench -- --filter '*'
// Each kernel is measured beside its plain scalar loop, so a speed-up is a ratio from one run.
// Also: `-- gemm-vs-openblas [--threads N] [--sizes 512,1024,2048]`, Cajal's GEMM and OpenBLAS interleaved in one process.
if (args.Length > 0 && args[0] == "gemm-vs-openblas") return Cajal.Bench.GemmVersusOpenBlas.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(Cajal.Bench.ElementwiseBenchmarks).Assembly).Run(args);
return 0;
