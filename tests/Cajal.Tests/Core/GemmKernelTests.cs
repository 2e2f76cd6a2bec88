using System.Numerics;
using Cajal.Kernels;

namespace Cajal.Tests.Core;

/// <summary>
/// Gemm.Multiply against a naive triple loop at odd sizes, for every transposition of A and B and with accumulation,
/// on every path this CPU supports (the packed AVX-512 and AVX2 kernels are forced in turn, the portable loop too),
/// at sizes around the register tile (MR, NR) and cache block (kc) edges, and on the parallel path.
/// </summary>
public class GemmKernelTests
{
    private static readonly int[] Sizes = [1, 2, 3, 7, 15, 16, 17, 31, 33];

    /// <summary>The forcible paths; one not supported by this CPU makes its test pass vacuously (xunit 2 has no dynamic skip).</summary>
    public static TheoryData<string> Paths => new() { "Avx512", "Avx2", "Portable" };

    private static bool Supported(GemmPath path) => path switch
    {
        GemmPath.Avx512 => GemmAvx512.IsSupported,
        GemmPath.Avx2 => GemmAvx2.IsSupported,
        _ => true,
    };

    /// <summary>Float32 (or float64) round-off relative to Σ|a||b|: the γ_k bound of a k-term dot product, at least rtol.</summary>
    private static double Tolerance<T>(int k, double rtol) => Math.Max(rtol, (k + 2) * (typeof(T) == typeof(float) ? Math.ScaleB(1.0, -24) : Math.ScaleB(1.0, -53)));

    /// <summary>Runs body with the GEMM path forced on this thread (Auto: the normal choice).</summary>
    internal static void WithPath(GemmPath path, Action body)
    {
        var saved = Gemm.ForcedPath;
        Gemm.ForcedPath = path;
        try { body(); }
        finally { Gemm.ForcedPath = saved; }
    }

    [Fact]
    public void A_forced_path_is_seen_only_by_the_thread_that_forced_it()
    {
        // ForcedPath skips its thread-static field while no thread forces a path (ThreadSettingCount).
        GemmPath seenElsewhere = GemmPath.Portable, seenHere = GemmPath.Auto;
        WithPath(GemmPath.Portable, () =>
        {
            seenHere = Gemm.ForcedPath;
            var other = new Thread(() => seenElsewhere = Gemm.ForcedPath);
            other.Start();
            other.Join();
        });
        Assert.Equal(GemmPath.Portable, seenHere);
        Assert.Equal(GemmPath.Auto, seenElsewhere);
        Assert.Equal(GemmPath.Auto, Gemm.ForcedPath);
    }

    /// <summary>Runs one product of stored operands and compares it with the triple loop.</summary>
    private static void CheckOne<T>(Generator rng, int m, int n, int k, bool transA, bool transB, bool accumulate, double rtol,
        int aOffset = 0, int bOffset = 0, int cOffset = 0, int ldcPad = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A is logically (m, k): stored (m, k) row-major, or (k, m) row-major when transposed. Same for B (k, n).
        var a = ElementwiseKernelTests.Data<T>(rng, aOffset + m * k, withSpecials: false);
        var b = ElementwiseKernelTests.Data<T>(rng, bOffset + k * n, withSpecials: false);
        int ldc = n + ldcPad;
        var c = ElementwiseKernelTests.Data<T>(rng, cOffset + m * ldc, withSpecials: false);
        var before = (T[])c.Clone();
        (int aRow, int aCol) = transA ? (1, m) : (k, 1);
        (int bRow, int bCol) = transB ? (1, k) : (n, 1);
        Gemm.Multiply(m, n, k, a, aOffset, aRow, aCol, b, bOffset, bRow, bCol, c, cOffset, ldc, accumulate);
        rtol = Tolerance<T>(k, rtol);

        string where = $"{Gemm.ForcedPath} {typeof(T).Name} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}";
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateTruncating(a[aOffset + i * aRow + p * aCol]) * double.CreateTruncating(b[bOffset + p * bRow + j * bCol]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                double old = double.CreateTruncating(before[cOffset + i * ldc + j]);
                if (accumulate)
                {
                    sum += old;
                    magnitude += Math.Abs(old);
                }
                double actual = double.CreateTruncating(c[cOffset + i * ldc + j]);
                Assert.True(Math.Abs(actual - sum) <= rtol * (magnitude + 1e-30), $"{where}: C[{i}, {j}] = {actual}, expected {sum}");
            }
        // Nothing outside C's m×n window is touched.
        for (int idx = 0; idx < c.Length; idx++)
        {
            int rel = idx - cOffset;
            bool inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) Assert.True(before[idx].Equals(c[idx]), $"{where}: element {idx} outside C was written");
        }
    }

    private static void AllCombinations<T>(ulong seed, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Generator(seed);
        foreach (int m in Sizes)
            foreach (int n in Sizes)
                foreach (int k in Sizes)
                    foreach (bool transA in new[] { false, true })
                        foreach (bool transB in new[] { false, true })
                            foreach (bool accumulate in new[] { false, true })
                                CheckOne<T>(rng, m, n, k, transA, transB, accumulate, rtol);
    }

    [Fact]
    public void Multiply_float_matches_the_triple_loop_at_odd_sizes_for_every_transposition_and_accumulation() => AllCombinations<float>(120, 1e-6);

    [Fact]
    public void Multiply_double_matches_the_triple_loop_at_odd_sizes_for_every_transposition_and_accumulation() => AllCombinations<double>(121, 1e-14);

    [Fact]
    public void Multiply_accumulates_or_overwrites_for_every_transposition()
    {
        var rng = new Generator(122);
        foreach (bool accumulate in new[] { false, true })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    CheckOne<float>(rng, 7, 17, 33, transA, transB, accumulate, 1e-6);
                    CheckOne<double>(rng, 16, 3, 31, transA, transB, accumulate, 1e-14);
                }
    }

    [Fact]
    public void Multiply_honours_offsets_and_a_padded_ldc()
    {
        var rng = new Generator(123);
        foreach (bool accumulate in new[] { false, true })
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    CheckOne<double>(rng, 5, 7, 9, transA, transB, accumulate, 1e-14, aOffset: 3, bOffset: 5, cOffset: 2, ldcPad: 4);
    }

    [Fact]
    public void Multiply_large_enough_to_run_in_parallel_matches_the_triple_loop()
    {
        var rng = new Generator(124);
        foreach (bool transB in new[] { false, true })
        {
            CheckOne<float>(rng, 67, 65, 300, transA: false, transB, accumulate: false, 1e-5);
            CheckOne<double>(rng, 70, 63, 290, transA: true, transB, accumulate: true, 1e-13);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Each_path_matches_the_triple_loop_at_odd_sizes_for_every_transposition_and_accumulation(string name)
    {
        var path = Enum.Parse<GemmPath>(name);
        if (!Supported(path)) return;
        WithPath(path, () =>
        {
            AllCombinations<float>(130, 1e-6);
            AllCombinations<double>(131, 1e-14);
        });
    }

    /// <summary>Sizes one below, at and one above the register tile (MR × NR) and the deepest block kc, and two and three blocks deep.</summary>
    private static void BlockEdges<T>(GemmPath path, ulong seed, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int mr, int nr) = path == GemmPath.Avx512
            ? (GemmAvx512.Rows, GemmAvx512.Columns<T>())
            : (GemmAvx2.Rows, GemmAvx2.Columns<T>());
        int kc = Gemm.MaxDepthBlock<T>();
        var rng = new Generator(seed);
        foreach (int m in new[] { mr - 1, mr, mr + 1, 2 * mr + 1 })
            foreach (int n in new[] { nr - 1, nr, nr + 1, 2 * nr + 1 })
                foreach (int k in new[] { kc - 1, kc, kc + 1, 2 * kc + 1 })
                    foreach (bool transA in new[] { false, true })
                        foreach (bool transB in new[] { false, true })
                            CheckOne<T>(rng, m, n, k, transA, transB, accumulate: (m + n + k) % 2 == 0, rtol);
    }

    [Theory]
    [InlineData("Avx512")]
    [InlineData("Avx2")]
    public void Packed_paths_match_the_triple_loop_around_tile_and_block_edges(string name)
    {
        var path = Enum.Parse<GemmPath>(name);
        if (!Supported(path)) return;
        WithPath(path, () =>
        {
            BlockEdges<float>(path, 132, 1e-6);
            BlockEdges<double>(path, 133, 1e-14);
        });
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Large_products_on_the_parallel_path_match_the_triple_loop(string name)
    {
        var path = Enum.Parse<GemmPath>(name);
        if (!Supported(path)) return;
        var rng = new Generator(134);
        WithPath(path, () =>
        {
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    CheckOne<float>(rng, 257, 257, 257, transA, transB, accumulate: transA, 1e-6);
                    CheckOne<double>(rng, 300, 300, 300, transA, transB, accumulate: !transB, 1e-14);
                    // Few rows, many columns: the tasks split the columns of C as well as its rows.
                    CheckOne<float>(rng, 13, 700, 300, transA, transB, accumulate: transB, 1e-6, aOffset: 1, bOffset: 2, cOffset: 3, ldcPad: 5);
                }
        });
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Results_are_bitwise_identical_for_any_thread_count(bool transA, bool transB)
    {
        var rng = new Generator(135);
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (var (m, n, k) in new[] { (300, 257, 301), (13, 700, 300), (1000, 40, 200) })
            {
                var a = ElementwiseKernelTests.Data<float>(rng, m * k, withSpecials: false);
                var b = ElementwiseKernelTests.Data<float>(rng, k * n, withSpecials: false);
                var c0 = ElementwiseKernelTests.Data<float>(rng, m * n, withSpecials: false);
                (int aRow, int aCol) = transA ? (1, m) : (k, 1);
                (int bRow, int bCol) = transB ? (1, k) : (n, 1);
                float[]? reference = null;
                foreach (int threads in new[] { 1, 2, 3, 4, 8 })
                {
                    Parallelism.MaxThreads = threads;
                    var c = (float[])c0.Clone();
                    Gemm.Multiply(m, n, k, a, 0, aRow, aCol, b, 0, bRow, bCol, c, 0, n, accumulate: true);
                    reference ??= c;
                    Assert.True(reference.AsSpan().SequenceEqual(c), $"m={m} n={n} k={k}: {threads} threads differ from 1");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(1, 16, 16)]
    [InlineData(256, 256, 256)]
    [InlineData(784, 784, 400)]      // the MLP's first layer: one float block; doubles 400 + 384
    [InlineData(800, 800, 400)]
    [InlineData(801, 416, 272)]      // floats 416 + 385
    [InlineData(2048, 688, 352)]     // floats 688 + 688 + 672
    public void The_depth_is_cut_into_equal_blocks_of_at_most_800_floats_or_400_doubles(int k, int expectedFloat, int expectedDouble)
    {
        Assert.Equal(expectedFloat, Gemm.DepthBlock<float>(k));
        Assert.Equal(expectedDouble, Gemm.DepthBlock<double>(k));
    }

    [Fact]
    public void Depth_blocks_are_multiples_of_16_no_deeper_than_the_limit_and_no_more_than_needed()
    {
        foreach (int k in Enumerable.Range(1, 3000))
        {
            int kc = Gemm.DepthBlock<float>(k), kcd = Gemm.DepthBlock<double>(k);
            Assert.True(kc % 16 == 0 && kc <= 800 && kcd % 16 == 0 && kcd <= 400, $"k={k}: kc {kc}, double {kcd}");
            Assert.Equal((k + 799) / 800, (k + kc - 1) / kc);
            Assert.Equal((k + 399) / 400, (k + kcd - 1) / kcd);
        }
    }

    [Theory]
    [InlineData(784, 4, 1)]     // MLP's input rows: 49 lines apart, 12 different sets
    [InlineData(1000, 4, 1)]
    [InlineData(300, 4, 1)]
    [InlineData(392, 8, 1)]     // doubles: the same bytes as 784 floats
    [InlineData(128, 4, 2)]     // 512 B apart: 8 sets
    [InlineData(256, 4, 3)]     // 1 KB apart: 4 sets
    [InlineData(7, 4, 3)]       // rows inside the same few lines
    [InlineData(512, 4, 6)]
    [InlineData(1024, 4, 12)]   // 4 KB apart: all on one set
    [InlineData(2048, 4, 12)]
    public void Rows_per_L1_set_counts_the_tile_rows_that_start_on_one_set(int stride, int elementSize, int expected) =>
        Assert.Equal(expected, Gemm.RowsPerL1Set(stride, elementSize));

    [Theory]
    [InlineData(784, 4, 1000, true)]    // spread over 12 sets: in place for any width
    [InlineData(128, 4, 1, true)]       // 2 to a set, one column panel (the MLP's last layer)
    [InlineData(256, 4, 8, true)]       // 3 to a set, 8 panels (its second layer)
    [InlineData(256, 4, 9, false)]      // ... but not for more panels
    [InlineData(1280, 4, 40, false)]
    [InlineData(512, 4, 1, false)]      // 6 to a set: always packed
    [InlineData(2048, 4, 1, false)]
    public void A_is_read_in_place_where_its_rows_spread_over_the_cache_sets_or_few_column_panels_read_it(int stride, int elementSize, int panels, bool expected) =>
        Assert.Equal(expected, Gemm.ReadsAInPlace(stride, elementSize, panels));

    [Fact]
    public void A_row_major_A_read_in_place_gives_the_bits_of_the_packed_A()
    {
        // The AVX-512 path reads whole 12-row panels of a row-major A where they lie (KernelRowsA) and packs only a
        // partial last panel; PackAlways packs them all. Same FMAs in the same order: the same bits, for float and
        // double, in both threading schemes, with offsets, a row stride longer than k, partial tiles and accumulate.
        if (!GemmAvx512.IsSupported) return;
        var rng = new Generator(137);
        int savedThreads = Parallelism.MaxThreads;
        long savedWork = Gemm.ColumnSplitWork;
        try
        {
            foreach (var (m, n, k) in new[] { (12, 32, 1), (25, 70, 300), (64, 256, 784), (100, 33, 513), (1000, 128, 256), (1000, 10, 128), (11, 40, 7) })
                foreach (int lda in new[] { k, k + 5 })
                    foreach (var (threads, work) in new[] { (1, long.MaxValue), (2, long.MaxValue), (2, 0L) })
                    {
                        Parallelism.MaxThreads = threads;
                        Gemm.ColumnSplitWork = work;
                        Compare<float>(m, n, k, lda);
                        Compare<double>(m, n, k, lda);
                    }
        }
        finally
        {
            Parallelism.MaxThreads = savedThreads;
            Gemm.ColumnSplitWork = savedWork;
        }

        void Compare<T>(int m, int n, int k, int lda) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var a = ElementwiseKernelTests.Data<T>(rng, 3 + m * lda, withSpecials: false);
            var b = ElementwiseKernelTests.Data<T>(rng, 1 + k * n, withSpecials: false);
            int ldc = n + 2;
            var c0 = ElementwiseKernelTests.Data<T>(rng, 4 + m * ldc, withSpecials: false);
            foreach (bool accumulate in new[] { false, true })
            {
                T[] Run(bool packAlways)
                {
                    var c = (T[])c0.Clone();
                    try
                    {
                        Gemm.PackAlways = packAlways;
                        WithPath(GemmPath.Avx512, () => Gemm.Multiply(m, n, k, a, 3, lda, 1, b, 1, n, 1, c, 4, ldc, accumulate));
                    }
                    finally
                    {
                        Gemm.PackAlways = false;
                    }
                    return c;
                }
                Assert.True(Run(true).AsSpan().SequenceEqual(Run(false)),
                    $"{typeof(T).Name} m={m} n={n} k={k} lda={lda} threads={Parallelism.MaxThreads} accumulate={accumulate}");
            }
        }
    }

    [Fact]
    public void Column_bands_per_thread_give_the_bits_of_the_shared_B_scheme_and_match_the_triple_loop()
    {
        // Products at least as wide as tall and large enough are split into one band of C's columns per thread.
        // Lowering the threshold runs that path on small shapes: odd widths, bands that end in a partial panel,
        // transposed operands, offsets and a padded ldc; its bits must equal the shared-B scheme's for every thread count.
        var rng = new Generator(136);
        long savedWork = Gemm.ColumnSplitWork;
        int savedThreads = Parallelism.MaxThreads;
        try
        {
            foreach (var (m, n, k) in new[] { (13, 700, 300), (64, 257, 100), (100, 129, 37), (96, 96, 513) })
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                    {
                        var a = ElementwiseKernelTests.Data<float>(rng, 1 + m * k, withSpecials: false);
                        var b = ElementwiseKernelTests.Data<float>(rng, 2 + k * n, withSpecials: false);
                        int ldc = n + 3;
                        var c0 = ElementwiseKernelTests.Data<float>(rng, 5 + m * ldc, withSpecials: false);
                        (int aRow, int aCol) = transA ? (1, m) : (k, 1);
                        (int bRow, int bCol) = transB ? (1, k) : (n, 1);
                        float[] Run(long work, int threads, bool accumulate)
                        {
                            Gemm.ColumnSplitWork = work;
                            Parallelism.MaxThreads = threads;
                            var c = (float[])c0.Clone();
                            Gemm.Multiply(m, n, k, a, 1, aRow, aCol, b, 2, bRow, bCol, c, 5, ldc, accumulate);
                            return c;
                        }
                        foreach (bool accumulate in new[] { false, true })
                        {
                            var shared = Run(long.MaxValue, 1, accumulate);
                            foreach (int threads in new[] { 2, 3 })
                                Assert.True(shared.AsSpan().SequenceEqual(Run(0, threads, accumulate)),
                                    $"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate}: {threads} bands differ");
                        }
                    }
            Gemm.ColumnSplitWork = 0;
            Parallelism.MaxThreads = 2;
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    CheckOne<float>(rng, 33, 301, 129, transA, transB, accumulate: transA, 1e-6, aOffset: 1, bOffset: 2, cOffset: 3, ldcPad: 5);
                    CheckOne<double>(rng, 17, 65, 40, transA, transB, accumulate: transB, 1e-14);
                }
        }
        finally
        {
            Gemm.ColumnSplitWork = savedWork;
            Parallelism.MaxThreads = savedThreads;
        }
    }

    [Fact]
    public void Short_rows_of_the_portable_loop_give_the_bits_of_its_vector_rows()
    {
        // Rows of C up to 16 long take a plain loop; each element must be summed exactly as MultiplyAdd sums it, so a
        // product's first columns come out the same whether the row is short (n = 1…16) or long (n = 40).
        var rng = new Generator(137);
        foreach (int n in new[] { 1, 3, 4, 15, 16 })
            foreach (bool accumulate in new[] { false, true })
            {
                const int m = 5, k = 37, wide = 40;
                var a = ElementwiseKernelTests.Data<float>(rng, m * k, withSpecials: false);
                var bWide = ElementwiseKernelTests.Data<float>(rng, k * wide, withSpecials: false);
                var cWide = ElementwiseKernelTests.Data<float>(rng, m * wide, withSpecials: false);
                var b = new float[k * n];
                var c = new float[m * n];
                for (int p = 0; p < k; p++) Array.Copy(bWide, p * wide, b, p * n, n);
                for (int i = 0; i < m; i++) Array.Copy(cWide, i * wide, c, i * n, n);
                Gemm.Portable(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, accumulate);
                Gemm.Portable(m, wide, k, a, 0, k, 1, bWide, 0, wide, 1, cWide, 0, wide, accumulate);
                for (int i = 0; i < m; i++)
                    Assert.True(c.AsSpan(i * n, n).SequenceEqual(cWide.AsSpan(i * wide, n)), $"n={n} accumulate={accumulate} row {i}");
            }
    }

    [Fact]
    public void Repeated_products_reuse_their_packing_buffers()
    {
        const int n = 512;
        var rng = new Generator(136);
        var a = ElementwiseKernelTests.Data<float>(rng, n * n, withSpecials: false);
        var b = ElementwiseKernelTests.Data<float>(rng, n * n, withSpecials: false);
        var c = new float[n * n];
        int saved = Parallelism.MaxThreads;
        try
        {
            // One thread, so every buffer is rented on this thread and the per-thread counter sees it
            // (a process-wide counter would also count the tests running beside this one).
            Parallelism.MaxThreads = 1;
            for (int i = 0; i < 3; i++) Gemm.Multiply(n, n, n, a, 0, n, 1, b, 0, 1, n, c, 0, n, accumulate: false);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Gemm.Multiply(n, n, n, a, 0, n, 1, b, 0, 1, n, c, 0, n, accumulate: false);
            long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
            // The packed panels (1 MB of B, 264 KB of A) live in reused per-thread buffers; what is left is the small job object.
            Assert.True(perCall < 4 * 1024, $"{perCall} bytes allocated per 512³ product");
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Multiply_with_zero_k_clears_or_keeps_C()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
        Gemm.Multiply(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, accumulate: false);
        Assert.Equal(new float[] { 0, 0, 0, 0 }, c);
    }
}
