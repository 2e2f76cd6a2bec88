using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cajal.Kernels;

/// <summary>The packed (Goto/BLIS) GEMM driver for float and double.</summary>
/// <remarks>
/// <para>Loop nest, outermost first (C is m × n row-major, vectors run along n):</para>
/// <code>
/// jc over n in blocks of NC = 4096 columns
///   kg over k in groups of whole kc blocks, the group's packed B ≤ 1M elements (4 MB float; L3)
///     pack B[kg.., jc..] as kc × NR panels                      (in parallel over panels)
///     tasks over (mc row blocks) × (column splits)              (WorkerPool.Run, dynamic)
///       pc over the group in blocks of kc (k in equal blocks of ≤ 800 float, ≤ 400 double: DepthBlock)
///         pack A[ic.., pc..] as MR × kc panels                  (mc × kc ≤ 264 × 800 float: 845 KB, in L2;
///                                                                 a row-major A is read in place, see below)
///         jr over NR panels:   B micro-panel kc × NR             (≤ 100 KB float, ≤ 50 KB double: streams from L2)
///           ir over MR panels: A micro-panel MR × kc             (≤ 38 KB: streams from L2)
///             prefetch the next C tile into L2
///             micro-kernel: C[MR × NR] (+)= A-panel · B-panel
/// </code>
/// <para>Sizes: the packed A block is reused by every B micro-panel, so it is sized for L2. The B micro-panel was
/// first sized for L1 (kc = 256); deeper blocks, streaming it from L2, measured faster (stop 12,
/// <see cref="DepthBlock{T}"/>). The machines this was tuned on report Intel Xeon family 6 model 207 (48 KB L1d, 2 MB
/// L2 per core; the team's notes say Zen 4, 32 KB L1d / 1 MB L2, where the depth limits may need measuring again). The C tile is loaded and stored once per kc block: 24 vectors against 24·kc FMAs.
/// Measured on the shared (noisy) 2-core machine, in-process A/B at n = 1024, one thread: kc = 256 beat 128 and 192
/// by about 5% (stop 10; stop 12 found deeper blocks better still), the C-tile prefetch gained about 5%, and NC = 512,
/// 1024 and 4096 were within the noise at n = 2048.</para>
/// <para>Edges: panels are zero-padded to MR rows and NR columns; a partial tile is computed into a small
/// stack buffer and only its valid part is added to C. Threads: the mc × (column split) tasks write disjoint
/// parts of C and never split k, so each element of C sees the same operations whatever the thread count.
/// Buffers: packed B and A live in per-thread arrays on the pinned object heap, kept between calls (so a
/// training step does not churn the large-object heap) and 64-byte aligned (so no vector load splits a cache line).</para>
/// <para>A in place (stop 11): on the AVX-512 path a row-major A (a Linear layer's input) is not packed; whole MR-row
/// panels are broadcast from where they lie (<see cref="GemmAvx512.KernelRowsA{T}"/>), unless the row stride would put
/// the 12 rows on too few L1 sets for the number of column panels (<see cref="ReadsAInPlace"/>). Same operations, same bits.</para>
/// <para>Epilogue (stop 12): a bias and a ReLU (<see cref="GemmEpilogue{T}"/>) are applied to each tile of C right after its
/// last kc block, by the thread that computed it, while the tile is in L1.</para>
/// </remarks>
internal static partial class Gemm
{
    /// <summary>
    /// The depth block kc for T and a product of depth k: k in equal blocks of at most <see cref="MaxDepthBlock{T}"/>,
    /// rounded up to a multiple of 16 (the last block takes the rest).
    /// </summary>
    /// <remarks>
    /// <para>A function of T and k only, never of the thread count or of m and n: it sets the order in which each element
    /// of C is summed, so results stay the same on any number of threads.</para>
    /// <para>Until stop 12 kc was 256 floats (128 doubles), sized so the B micro-panel (kc × NR, 32 KB) would stay in L1.
    /// Deeper blocks load and store each C tile fewer times, and the micro-kernel streams a larger B micro-panel from L2
    /// without stalling. Stop 12, in process on the AVX-512 path, alternating with kc = 256, median of per-pair ratios
    /// over 11 rounds (1 / 2 threads): 2048³ 1.056 / 1.078, 1024³ 1.023 / 0.988, 512³ 1.012 / 1.030, the MLP's
    /// 1000×256×784 1.050 / 1.030 and 64×256×784 1.059 / 1.104, an im2col-shaped 64×1024×576 1.092 / 1.088, MLP
    /// inference 1.025 / 1.062; at most 512 or 1024 instead of 800 did less well at 2048 or 784. Doubles, 1 thread, at
    /// most 400 against 128: 1024³ 1.106, 1536³ 1.174 (at most 800: 1.060, 1.048). The AVX2 path: 0.99–1.03.</para>
    /// </remarks>
    internal static int DepthBlock<T>(int k)
    {
        int max = MaxDepthBlock<T>();
        int blocks = Math.Max(1, (k + max - 1) / max);
        return ((k + blocks - 1) / blocks + 15) / 16 * 16;
    }

    /// <summary>The deepest kc block: 800 for float, 400 for double (a B micro-panel of 100 KB or 50 KB, in L2).</summary>
    internal static int MaxDepthBlock<T>() => typeof(T) == typeof(float) ? 800 : 400;

    private const int MCMax = 256;
    private const int NCMax = 4096;
    private const int PackedBLimit = 1 << 20;

    private static void Packed<T>(
        GemmPath path, int m, int n, int k,
        T[] a, int aOffset, int aRowStride, int aColStride,
        T[] b, int bOffset, int bRowStride, int bColStride,
        T[] c, int cOffset, int ldc, bool accumulate, GemmEpilogue<T> epilogue)
        where T : unmanaged, INumber<T>
    {
        int threads = ThreadsFor(m, n, k);
        int nr = Tile<T>(path).Columns;
        int panels = (n + nr - 1) / nr;
        // Read here, not in the job: column bands run on the workers, where a test's PackAlways is not set.
        bool rowsA = path == GemmPath.Avx512 && aColStride == 1 && !PackAlways && ReadsAInPlace(aRowStride, Unsafe.SizeOf<T>(), panels);
        if (threads > 1 && n >= m && panels >= 2 * threads && (long)m * n * k >= ColumnSplitWork)
        {
            // A product at least as wide as it is tall: each thread computes its own band of C's columns, a whole
            // one-thread product with its own packed B and A. No barriers between packing and computing, and B's
            // panels are never shared between cores; A is packed once per thread, m·k against m·(n/threads)·k
            // multiply-adds. Bands are whole NR panels, so every tile and every sum is the one-thread product's.
            WorkerPool.Run(threads, threads, t =>
            {
                int j0 = (int)((long)panels * t / threads) * nr, j1 = Math.Min(n, (int)((long)panels * (t + 1) / threads) * nr);
                new PackedJob<T>(path, m, j1 - j0, k, a, aOffset, aRowStride, aColStride, b, bOffset + j0 * bColStride, bRowStride, bColStride,
                    c, cOffset + j0, ldc, accumulate, threads: 1, rowsA, epilogue.From(0, j0)).Run();
            });
            return;
        }
        var job = new PackedJob<T>(path, m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
            c, cOffset, ldc, accumulate, threads, rowsA, epilogue);
        job.Run();
    }

    /// <summary>The register tile (MR rows × NR columns) of a packed path's micro-kernel.</summary>
    private static (int Rows, int Columns) Tile<T>(GemmPath path) => path == GemmPath.Avx512
        ? (GemmAvx512.Rows, GemmAvx512.Columns<T>())
        : (GemmAvx2.Rows, GemmAvx2.Columns<T>());

    /// <summary>From this many multiply-adds a product with n ≥ m is split into column bands, one per thread: every
    /// product large enough to run on several threads (<see cref="ParallelWork"/>).</summary>
    /// <remarks>
    /// Measured in process on 2 threads, alternating with the shared-B scheme: n = 1024 median 180–196 against 166–193
    /// GFLOP/s, n = 2048 173–186 against 157–184; and more for the MLP's small products, where the shared scheme's two
    /// barriers weigh most (batch 64, B transposed as in Linear): 64×128×256 120–146 against 85–90, 64×256×784 99–152
    /// against 88–115, 64×784×256 148–186 against 116–157, 128×256×64 136–157 against 90–96. Not for tall products:
    /// MLP inference (m = 1000, n = 256) ran at 258–273k img/s with bands against 337–364k, because packing A twice
    /// reads the input from memory twice. Tests lower it to run the band path on small shapes.
    /// </remarks>
    internal static long ColumnSplitWork = ParallelWork;

    /// <summary>
    /// Packs every A panel even where the AVX-512 kernel could read a row-major A in place (KernelRowsA), on this
    /// thread: tests compare the two bit for bit, and tuning measures one against the other.
    /// </summary>
    internal static bool PackAlways
    {
        get => s_packAlways.AnySet && t_packAlways;
        set
        {
            s_packAlways.Changed(t_packAlways, value);
            t_packAlways = value;
        }
    }

    /// <summary>
    /// Whether the AVX-512 kernel reads a row-major A with this row stride in place rather than packing it, for a
    /// product of <paramref name="panels"/> NR-wide column panels (each A panel is read once per column panel).
    /// </summary>
    /// <remarks>
    /// <para>In place where the 12 rows of a register tile start on 12 different L1 sets (<see cref="RowsPerL1Set"/> = 1),
    /// as a Linear layer's 784-wide input: MLP inference ran 11–22% faster than with A packed. Where they crowd 2 or 3
    /// to a set (rows 512 B or 1 KB apart, as the MLP's hidden layers), only for at most <see cref="InPlacePanels"/>
    /// column panels: packing costs a pass over A whatever n is, while the crowded rows cost a little on every panel.
    /// Stop 12, in process, alternating with the old rule (packed unless 1 per set), median of per-pair ratios:
    /// 1000×10×128 1.26–1.33, 1000×128×256 1.03–1.08, 64×128×256 1.04–1.11, 256³ 1.04; 768³ 0.98–0.99 and 1280³
    /// 0.97–0.98 (24 and 40 panels) are why the panel limit exists. With 4 or more rows to a set (rows a multiple of
    /// 2 KB apart, as 512³ … 2048³) the rows evict one another and in place ran 20–25% slower: always packed.</para>
    /// </remarks>
    internal static bool ReadsAInPlace(int stride, int elementSize, int panels)
    {
        int crowd = RowsPerL1Set(stride, elementSize);
        return crowd == 1 || (crowd <= 3 && panels <= InPlacePanels);
    }

    /// <summary>Column panels up to which A is read in place although 2 or 3 of a tile's rows share an L1 set.</summary>
    internal const int InPlacePanels = 8;

    /// <summary>
    /// The most of a register tile's 12 rows, <paramref name="stride"/> elements apart, whose first bytes fall on one set
    /// of a 64-set L1 of 64-byte lines (48 KB, 12-way on the machines measured).
    /// </summary>
    internal static int RowsPerL1Set(int stride, int elementSize)
    {
        long bytes = (long)stride * elementSize;
        Span<int> rows = stackalloc int[64];
        int most = 0;
        for (int r = 0; r < GemmAvx512.Rows; r++)
            most = Math.Max(most, ++rows[(int)(r * bytes / 64 % 64)]);
        return most;
    }

    [ThreadStatic] private static bool t_packAlways;
    private static ThreadSettingCount s_packAlways;

    /// <summary>One packed product: the operands, the blocking and the current B block, shared by the tasks.</summary>
    private sealed unsafe class PackedJob<T> where T : unmanaged, INumber<T>
    {
        private readonly T[] _a, _b, _c;
        private readonly int _m, _n, _k, _aOffset, _aRowStride, _aColStride, _bOffset, _bRowStride, _bColStride, _cOffset, _ldc;
        private readonly bool _accumulate;
        private readonly delegate*<T*, T*, int, T*, nint, bool, void> _kernel;
        private readonly bool _rowsA;   // whole A panels read in place (GemmAvx512.KernelRowsA), not packed
        private readonly GemmEpilogue<T> _epilogue;
        private readonly int _mr, _nr, _kc, _threads, _rowPanels, _mBlocks;
        private readonly Action<int> _packBChunk, _runTask;

        // The current block of B: columns [_jc, _jc + _ncb) as _panels NR-wide panels, depth [_kg, _kg + _kgb).
        private int _jc, _ncb, _panels, _kg, _kgb, _nSplits, _units;
        private T* _bPack;

        public PackedJob(GemmPath path, int m, int n, int k,
            T[] a, int aOffset, int aRowStride, int aColStride,
            T[] b, int bOffset, int bRowStride, int bColStride,
            T[] c, int cOffset, int ldc, bool accumulate, int threads, bool rowsA, GemmEpilogue<T> epilogue)
        {
            (_a, _aOffset, _aRowStride, _aColStride) = (a, aOffset, aRowStride, aColStride);
            (_b, _bOffset, _bRowStride, _bColStride) = (b, bOffset, bRowStride, bColStride);
            (_c, _cOffset, _ldc, _accumulate) = (c, cOffset, ldc, accumulate);
            (_m, _n, _k, _threads, _kc) = (m, n, k, threads, DepthBlock<T>(k));
            _kernel = path == GemmPath.Avx512 ? &GemmAvx512.Kernel<T> : &GemmAvx2.Kernel<T>;
            _rowsA = rowsA;
            _epilogue = epilogue;
            (_mr, _nr) = Tile<T>(path);
            // Row blocks of at most MCMax rows; with several threads at least 4 per thread when m allows, so the
            // dynamic scheduler can even out a core that another process slows down. Blocks are whole MR panels,
            // spread evenly (sizes differ by at most one panel) so no thread waits on a runt block.
            _rowPanels = (m + _mr - 1) / _mr;
            int panelsPerBlock = (MCMax + _mr - 1) / _mr;
            _mBlocks = Math.Min(_rowPanels, Math.Max((_rowPanels + panelsPerBlock - 1) / panelsPerBlock, threads > 1 ? 4 * threads : 1));
            _packBChunk = PackBChunk;
            _runTask = RunTask;
        }

        public void Run()
        {
            int ncMax = Math.Min(NCMax, _n);
            int panelsMax = (ncMax + _nr - 1) / _nr;
            int kRounded = (_k + _kc - 1) / _kc * _kc;
            int kGroup = Math.Min(kRounded, Math.Max(_kc, PackedBLimit / (panelsMax * _nr) / _kc * _kc));
            T[] bBuffer = Scratch<T>.Take(ref Scratch<T>.B, kGroup * panelsMax * _nr);
            try
            {
                _bPack = Scratch<T>.Aligned(bBuffer);
                for (_jc = 0; _jc < _n; _jc += NCMax)
                {
                    _ncb = Math.Min(NCMax, _n - _jc);
                    _panels = (_ncb + _nr - 1) / _nr;
                    // Column splits only when there are too few row blocks to keep the threads busy.
                    _nSplits = _threads > 1 && _mBlocks < 4 * _threads ? Math.Min(_panels, (4 * _threads + _mBlocks - 1) / _mBlocks) : 1;
                    for (_kg = 0; _kg < _k; _kg += kGroup)
                    {
                        _kgb = Math.Min(kGroup, _k - _kg);
                        _units = (_kgb + _kc - 1) / _kc * _panels;
                        if (_threads > 1 && _units > 1)
                            WorkerPool.Run(_threads, _threads, _packBChunk);
                        else
                            PackBChunk(0);
                        int tasks = _mBlocks * _nSplits;
                        if (_threads > 1 && tasks > 1)
                            WorkerPool.Run(tasks, _threads, _runTask);
                        else
                            for (int t = 0; t < tasks; t++) RunTask(t);
                    }
                }
            }
            finally
            {
                _bPack = null;
                Scratch<T>.Give(ref Scratch<T>.B, bBuffer);
            }
        }

        /// <summary>Packs chunk t of the (kc block, NR panel) units of the current B block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // fully optimised from the first call: no slow tier-0 warm-up
        private void PackBChunk(int t)
        {
            int parts = _threads > 1 && _units > 1 ? _threads : 1;
            int start = (int)((long)_units * t / parts), end = (int)((long)_units * (t + 1) / parts);
            T* pack = _bPack;
            fixed (T* pb = _b)
                for (int u = start; u < end; u++)
                {
                    int kb = u / _panels, q = u % _panels;
                    int pc = _kg + kb * _kc, kcb = Math.Min(_kc, _kg + _kgb - pc);
                    int j0 = _jc + q * _nr, cols = Math.Min(_nr, _jc + _ncb - j0);
                    T* dst = pack + (nint)kb * _kc * _panels * _nr + (nint)q * kcb * _nr;
                    T* src = pb + _bOffset + (nint)pc * _bRowStride + (nint)j0 * _bColStride;
                    PackPanel(src, _bRowStride, _bColStride, kcb, cols, _nr, dst);
                }
        }

        /// <summary>Task t: row block t / nSplits, column split t % nSplits, over the whole current k group.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // fully optimised from the first call: no slow tier-0 warm-up
        [SkipLocalsInit]
        private void RunTask(int t)
        {
            int mb = t / _nSplits, split = t % _nSplits;
            int i0 = (int)((long)_rowPanels * mb / _mBlocks) * _mr;
            int mcb = Math.Min(_m, (int)((long)_rowPanels * (mb + 1) / _mBlocks) * _mr) - i0;
            int q0 = _panels * split / _nSplits, q1 = _panels * (split + 1) / _nSplits;
            if (mcb <= 0 || q0 >= q1) return;
            int mr = _mr, nr = _nr;
            int rowPanels = (mcb + mr - 1) / mr;
            T[] aBuffer = Scratch<T>.Take(ref Scratch<T>.A, rowPanels * mr * _kc);
            T* tile = stackalloc T[mr * nr];
            T* pap = Scratch<T>.Aligned(aBuffer), pbp = _bPack;
            try
            {
                fixed (T* pa = _a, pcm = _c, pBias = _epilogue.Bias)
                    for (int pc = _kg; pc < _kg + _kgb; pc += _kc)
                    {
                        int kcb = Math.Min(_kc, _kg + _kgb - pc);
                        for (int r = 0; r < rowPanels; r++)
                        {
                            int row = i0 + r * mr;
                            if (_rowsA && row + mr <= i0 + mcb) continue;   // read in place by KernelRowsA
                            // A's row panel is B's column panel with the roles of the strides swapped.
                            PackPanel(pa + _aOffset + (nint)row * _aRowStride + (nint)pc * _aColStride,
                                _aColStride, _aRowStride, kcb, Math.Min(mr, i0 + mcb - row), mr, pap + (nint)r * kcb * mr);
                        }
                        bool overwrite = pc == 0 && !_accumulate;
                        bool last = pc + kcb == _k && !_epilogue.IsEmpty;   // the tiles' last product term: then the epilogue
                        T* bBlock = pbp + (nint)(pc - _kg) * _panels * nr;
                        for (int q = q0; q < q1; q++)
                        {
                            T* bp = bBlock + (nint)q * kcb * nr;
                            int j = _jc + q * nr, cols = Math.Min(nr, _jc + _ncb - j);
                            for (int r = 0; r < rowPanels; r++)
                            {
                                T* ap = pap + (nint)r * kcb * mr;
                                int i = i0 + r * mr, rows = Math.Min(mr, i0 + mcb - i);
                                T* cp = pcm + _cOffset + (nint)i * _ldc + j;
                                if (r + 1 < rowPanels) PrefetchTile(cp + mr * _ldc, _ldc, Math.Min(mr, i0 + mcb - i - mr), cols);
                                bool inPlace = _rowsA && rows == mr;
                                T* ar = inPlace ? pa + _aOffset + (nint)i * _aRowStride + pc : null;
                                if (rows == mr && cols == nr)
                                {
                                    if (inPlace && last && !_epilogue.BiasPerRow)
                                    {
                                        // The epilogue on the registers: a column bias (a Linear's) and ReLU, stored once.
                                        // Measured on the MLP inference pass, alternating with Apply after the store:
                                        // 1.045 on 1 thread (13 of 15 rounds faster), 1.008 and 1.032 on 2 (9/15, 14/21).
                                        GemmAvx512.KernelRowsA(ar, _aRowStride, bp, kcb, cp, _ldc, overwrite,
                                            pBias is null ? null : pBias + _epilogue.BiasOffset + j, _epilogue.Relu);
                                        continue;
                                    }
                                    if (inPlace) GemmAvx512.KernelRowsA(ar, _aRowStride, bp, kcb, cp, _ldc, overwrite);
                                    else _kernel(ap, bp, kcb, cp, _ldc, overwrite);
                                    if (last) _epilogue.Apply(cp, _ldc, i, j, mr, nr);
                                    continue;
                                }
                                // Partial tile: the same kernel into a buffer, then only the valid part into C.
                                if (inPlace) GemmAvx512.KernelRowsA(ar, _aRowStride, bp, kcb, tile, nr, true);
                                else _kernel(ap, bp, kcb, tile, nr, true);
                                for (int ii = 0; ii < rows; ii++)
                                {
                                    T* cRow = cp + (nint)ii * _ldc, tRow = tile + ii * nr;
                                    for (int jj = 0; jj < cols; jj++)
                                        cRow[jj] = overwrite ? tRow[jj] : cRow[jj] + tRow[jj];
                                }
                                if (last) _epilogue.Apply(cp, _ldc, i, j, rows, cols);
                            }
                        }
                    }
            }
            finally
            {
                Scratch<T>.Give(ref Scratch<T>.A, aBuffer);
            }
        }
    }

    /// <summary>Per-thread packing buffers: pinned (they never move, so an aligned pointer stays valid) and reused.</summary>
    /// <remarks>A buffer is taken out of its slot while in use, so a nested call on the same thread gets its own.</remarks>
    private static unsafe class Scratch<T> where T : unmanaged
    {
        // 64 bytes for the alignment and 64 more for the overhanging vector stores of the gather packer.
        private static readonly int s_pad = 128 / sizeof(T);

        [ThreadStatic] public static T[]? A;
        [ThreadStatic] public static T[]? B;

        public static T[] Take(ref T[]? slot, int length)
        {
            var array = slot;
            slot = null;
            return array is not null && array.Length >= length + s_pad
                ? array
                : GC.AllocateUninitializedArray<T>(length + s_pad, pinned: true);
        }

        public static void Give(ref T[]? slot, T[] array)
        {
            if (slot is null || slot.Length < array.Length) slot = array;
        }

        /// <summary>The first 64-byte aligned element of a pinned array.</summary>
        public static T* Aligned(T[] array)
        {
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            return (T*)((address + 63) & ~(nint)63);
        }
    }

    /// <summary>
    /// dst[p·width + j] = src[p + j·widthStride]: a panel whose source runs along the depth. Float panels at least 8
    /// wide go through 8×8 register transposes (<see cref="Transpose.Tile8x8"/>) for every whole 8 steps of depth; the
    /// rest, and doubles, use AVX2 gathers of 8 floats or 4 doubles, about 2.3× the scalar loop. The last gather of a
    /// step may write up to one vector past the step; the next step, or the buffer's padding after the last panel,
    /// takes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackTransposed<T>(T* src, int widthStride, int depth, int width, T* dst) where T : unmanaged
    {
        int lanes = 32 / sizeof(T);
        int groups = (width + lanes - 1) / lanes;
        // Lane l of group g reads line min(g·lanes + l, width − 1): the surplus lanes repeat a valid line.
        const int maxGroups = 4;   // NR = 32 floats or 16 doubles at most
        Span<int> index = stackalloc int[8];
        Vector256<int>* indices = stackalloc Vector256<int>[maxGroups];
        for (int g = 0; g < groups && g < maxGroups; g++)
        {
            for (int l = 0; l < 8; l++) index[l] = Math.Min(g * lanes + l, width - 1) * widthStride;
            indices[g] = Vector256.Create<int>(index);
        }
        int p0 = 0;
        if (typeof(T) == typeof(float) && width >= 8)
        {
            // Whole 8×8 tiles by register transposes: 8 contiguous loads and 8 stores instead of 8 gathers. A width
            // that is not a multiple of 8 (MR = 12) ends with a tile overlapping the one before: it rewrites the
            // same values.
            for (; p0 + 8 <= depth; p0 += 8)
                for (int j = 0; j < width; j += 8)
                {
                    int at = Math.Min(j, width - 8);
                    Transpose.Tile8x8((float*)src + p0 + (nint)at * widthStride, widthStride, (float*)dst + (nint)p0 * width + at, width);
                }
        }
        if (groups > maxGroups)
        {
            for (int p = p0; p < depth; p++)
                for (int j = 0; j < width; j++)
                    dst[(nint)p * width + j] = src[p + (nint)j * widthStride];
            return;
        }
        for (int p = p0; p < depth; p++)
        {
            T* d = dst + (nint)p * width;
            for (int g = 0; g < groups; g++)
            {
                if (typeof(T) == typeof(float))
                    Avx2.GatherVector256((float*)src + p, indices[g], 4).Store((float*)d + g * lanes);
                else
                    Avx2.GatherVector256((double*)src + p, indices[g].GetLower(), 8).Store((double*)d + g * lanes);
            }
        }
    }

    /// <summary>Asks for the C tile of the next micro-kernel call to be brought into L2 while this one runs.</summary>
    /// <remarks>Consecutive tiles lie MR rows apart, a stride the hardware prefetcher does not follow; without this
    /// each call would start with up to 2·MR cache misses on C once C outgrows the caches.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile<T>(T* c, nint ldc, int rows, int cols) where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        int lastByte = cols * sizeof(T) - 1;
        for (int i = 0; i < rows; i++)
        {
            byte* row = (byte*)(c + i * ldc);
            Sse.Prefetch1(row);
            Sse.Prefetch1(row + lastByte);
        }
    }

    /// <summary>
    /// Packs a depth × width panel for the micro-kernel: dst[p·width + j] = src[p·depthStride + j·widthStride]
    /// for j &lt; valid, and 0 for valid ≤ j &lt; width. B panels: depth = rows of B, width = NR columns;
    /// A panels: depth = columns of A, width = MR rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // fully optimised from the first call: no slow tier-0 warm-up
    private static unsafe void PackPanel<T>(T* src, int depthStride, int widthStride, int depth, int valid, int width, T* dst)
        where T : unmanaged, INumber<T>
    {
        if (widthStride == 1 && valid == width)
        {
            // Contiguous along the width (row-major B, or transposed A): copy whole rows of the panel, in vectors.
            for (int p = 0; p < depth; p++)
                Copy.Short(new ReadOnlySpan<T>(src + (nint)p * depthStride, width), new Span<T>(dst + (nint)p * width, width));
            return;
        }
        if (depthStride == 1 && valid == width && Avx2.IsSupported && (long)(width - 1) * widthStride <= int.MaxValue
            && (typeof(T) == typeof(float) || typeof(T) == typeof(double)))
        {
            // Contiguous along the depth (row-major A, or transposed B): gather one depth step at a time.
            PackTransposed(src, widthStride, depth, width, dst);
            return;
        }
        for (int p = 0; p < depth; p++)
        {
            T* s = src + (nint)p * depthStride;
            T* d = dst + (nint)p * width;
            for (int j = 0; j < valid; j++)
                d[j] = s[(nint)j * widthStride];
        }
        if (valid < width)
            for (int p = 0; p < depth; p++)
                new Span<T>(dst + (nint)p * width + valid, width - valid).Clear();
    }
}
