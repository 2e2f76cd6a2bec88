using System.Diagnostics;
using System.Runtime.InteropServices;
using Cajal.Kernels;

namespace Cajal.Bench;

/// <summary>
/// Cajal's GEMM and OpenBLAS's <c>cblas_sgemm</c> in one process, on the same arrays, their samples interleaved:
/// <c>dotnet run -c Release --project bench/Cajal.Bench -- gemm-vs-openblas [--threads N] [--sizes 512,1024,2048] [--rounds R]</c>.
/// </summary>
/// <remarks>
/// On these shared machines a process can settle into a fast or a slow mode, and separate processes (the anchors' way)
/// compare two draws of that. Interleaving 0.1 s samples of both libraries in one process puts them under the same
/// conditions; the ratio of each pair is reported (median and range) beside the W4-style best samples. OpenBLAS is only
/// loaded here, for comparison; the library never calls it. Library path: <c>$OPENBLAS_LIB</c>, else Debian's
/// <c>libopenblas0-pthread</c>. Set <c>OPENBLAS_CORETYPE=SkylakeX</c> to use its AVX-512 kernels, as the anchors do.
/// </remarks>
internal static class GemmVersusOpenBlas
{
    private const string DefaultLibrary = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0";

    public static int Run(string[] args)
    {
        int threads = 1, rounds = 9;
        int[] sizes = [512, 1024, 2048];
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"gemm-vs-openblas: {args[i]} needs a value.");
            switch (args[i])
            {
                case "--threads": threads = int.Parse(Next()); break;
                case "--rounds": rounds = int.Parse(Next()); break;
                case "--sizes": sizes = Next().Split(',').Select(int.Parse).ToArray(); break;
                default: Console.Error.WriteLine($"gemm-vs-openblas: unknown option {args[i]} (--threads N, --sizes a,b,c, --rounds R)."); return 2;
            }
        }
        string library = Environment.GetEnvironmentVariable("OPENBLAS_LIB") ?? DefaultLibrary;
        // OpenBLAS's idle threads keep spinning after each call (its thread timeout), on the cores that Cajal's next
        // sample needs: measured, two-thread pairs ranged 0.33–1.16 that way against 0.63–1.24 with the timeout at its
        // minimum. OpenBLAS reads the variable when it loads, from the native environment (not .NET's copy).
        if (Environment.GetEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT") is null && SetNativeEnvironment("OPENBLAS_THREAD_TIMEOUT", "4", 0) != 0)
            Console.Error.WriteLine("gemm-vs-openblas: could not set OPENBLAS_THREAD_TIMEOUT; OpenBLAS's idle threads will spin into Cajal's samples.");
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            Console.Error.WriteLine($"gemm-vs-openblas: cannot load OpenBLAS from {library} (apt-get install libopenblas0-pthread, or set OPENBLAS_LIB).");
            return 2;
        }
        unsafe
        {
            var sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
                NativeLibrary.GetExport(handle, "cblas_sgemm");
            var setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(handle, "openblas_set_num_threads");
            setThreads(threads);
            Parallelism.MaxThreads = threads;
            Console.WriteLine($"threads {threads}, {rounds} rounds of one 0.1 s sample each, alternating; GFLOP/s = 2n³/t; " +
                $"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(auto)"}, OPENBLAS_THREAD_TIMEOUT={Environment.GetEnvironmentVariable("OPENBLAS_THREAD_TIMEOUT") ?? "4"}");
            foreach (int n in sizes)
            {
                var g = new Generator(2);
                float[] a = Tensor.RandN([n * n], g).ToArray<float>(), b = Tensor.RandN([n * n], g).ToArray<float>(), c = new float[n * n];
                fixed (float* pa = a, pb = b, pc = c)
                {
                    float* xa = pa, xb = pb, xc = pc;
                    void Cajal() => Gemm.Multiply(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, accumulate: false);
                    void OpenBlas() => sgemm(101, 111, 111, n, n, n, 1f, xa, n, xb, n, 0f, xc, n);   // row-major, no transposes
                    for (int w = 0; w < 3; w++) { Cajal(); OpenBlas(); }
                    var (mine, theirs, ratios) = (new List<double>(), new List<double>(), new List<double>());
                    for (int r = 0; r < rounds; r++)
                    {
                        double x = Sample(Cajal, n), y = Sample(OpenBlas, n);
                        mine.Add(x);
                        theirs.Add(y);
                        ratios.Add(x / y);
                    }
                    mine.Sort(); theirs.Sort(); ratios.Sort();
                    Console.WriteLine($"n = {n}: Cajal median {mine[rounds / 2]:F1}, best {mine[^1]:F1} | OpenBLAS median {theirs[rounds / 2]:F1}, best {theirs[^1]:F1} " +
                        $"| Cajal ÷ OpenBLAS per pair: median {ratios[rounds / 2]:F2} (range {ratios[0]:F2}–{ratios[^1]:F2}), best ÷ best {mine[^1] / theirs[^1]:F2}");
                }
            }
        }
        return 0;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment(string name, string value, int overwrite);

    /// <summary>GFLOP/s of one sample: repetitions of <paramref name="product"/> for at least 0.1 s.</summary>
    private static double Sample(Action product, int n)
    {
        var clock = Stopwatch.StartNew();
        int reps = 0;
        do { product(); reps++; } while (clock.Elapsed.TotalSeconds < 0.1);
        return 2.0 * n * n * (double)n * reps / clock.Elapsed.TotalSeconds / 1e9;
    }
}
