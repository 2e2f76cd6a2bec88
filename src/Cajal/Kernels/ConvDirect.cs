using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cajal.Kernels;

/// <summary>
/// Stride-1 convolution without an im2col matrix: the input is copied once into a zero-padded image, and the
/// register-blocked kernels read its rows in place.
/// </summary>
/// <remarks>
/// <para>The trick that makes this a matrix product in disguise: compute the output on the padded width
/// Wp = Wout + (kW − 1)·dW instead of Wout. Output position q = oh·Wp + ow then reads padded input element
/// q + off(c, ki, kj), off = c·Hp·Wp + ki·dH·Wp + kj·dW, for every tap: the im2col row of tap (c, ki, kj) is the
/// padded image itself, shifted by off. The columns ow ≥ Wout of a row are garbage (they read across the right
/// edge) and are dropped when the result is copied out; they cost (Wp − Wout)/Wout extra work. Where Wout is a whole
/// number of vectors, each vector reads the frame at its own row's offset instead: no garbage columns, and the tiles
/// write the output in place (see <see cref="Run{T}"/>).</para>
/// <para>Forward: Y[o, q] = Σ_p W[o, p]·Xp[off(p) + q], a register tile of 12 output channels × 2 vectors of q (or
/// 8 × 3, or 6 × 4, whichever pads the fewest channels), weights packed as [channel block][tap][rows] so each step is a
/// few unaligned loads, one broadcast per channel and 24 FMAs (the GEMM micro-kernel's shape, with the packed B panel
/// replaced by the image).
/// Input gradient: the forward of dy with the weights transposed and flipped, padded by (k − 1)·d − pad.
/// Weight gradient: dW[o, p] = Σ_n Σ_q dYp[n, o, q]·Xp[n, off(p) + q], dot products along q of 4 output channels
/// × 6 taps at a time, with dY copied onto the padded width (zeros in the garbage columns).</para>
/// <para>Results do not depend on the thread count: the forward splits over images (each output element is one
/// register sum over the taps in order), and the weight gradient sums its images in the same fixed runs as the
/// im2col path.</para>
/// </remarks>
internal static unsafe class ConvDirect
{
    /// <summary>Output channels per forward register tile: 12 (× 2 vectors), 8 (× 3) or 6 (× 4); 24 accumulators each.</summary>
    internal const int Rows = 12, MiddleRows = 8, NarrowRows = 6;

    /// <summary>
    /// The forward tile for a layer with <paramref name="rows"/> output rows, (rows per block, vectors per tile): the
    /// one that pads the fewest rows (16 rows: two blocks of 8, not 12 + 12; 64 rows: eight of 8, not 72), the taller
    /// on a tie. The three shapes ran at the same speed on L1-resident data.
    /// </summary>
    internal static (int Rows, int Vectors) TileShape(int rows)
    {
        (int Rows, int Vectors) best = (Rows, 2);
        int bestPadded = Padded(rows, Rows);
        foreach (var shape in new[] { (MiddleRows, 3), (NarrowRows, 4) })
        {
            int padded = Padded(rows, shape.Item1);
            if (padded < bestPadded) (best, bestPadded) = (shape, padded);
        }
        return best;

        static int Padded(int rows, int block) => (rows + block - 1) / block * block;
    }

    private const int DotRows = 4, DotTaps = 6;

    /// <summary>Whether the direct kernels run for element type T on this machine (float or double with AVX-512).</summary>
    internal static bool IsSupported<T>() =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && Vector512.IsHardwareAccelerated;

    /// <summary>Elements in one vector of T.</summary>
    private static int Lanes<T>() => Vector512<T>.Count;

    /// <summary>The padded geometry of a stride-1 convolution that reads channels × (h, w) images.</summary>
    private readonly record struct Frame(int Channels, int H, int W, int PadTop, int PadLeft, int OutH, int OutW, int KH, int KW, int DH, int DW)
    {
        public int Wp => OutW + (KW - 1) * DW;
        public int Hp => OutH + (KH - 1) * DH;
        public int PlaneP => Hp * Wp;

        /// <summary>Output positions on the padded width, rounded up to whole register tiles.</summary>
        public int Positions(int tile) => (OutH * Wp + tile - 1) / tile * tile;

        /// <summary>Length of one padded image: the planes plus slack for the garbage columns' over-reads.</summary>
        public int ImageLength(int tile) => Channels * PlaneP + tile + Wp + (KW - 1) * DW + 2 * Vector512<byte>.Count;
    }

    /// <summary>
    /// y = conv(x, w) for a stride-1 geometry (any padding, dilation, groups); y (N, Cout, Hout, Wout) from index 0 is
    /// overwritten.
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y, ConvGeometry g,
        bool relu = false)
        where T : unmanaged, INumber<T>
    {
        var frame = new Frame(g.InChannels, g.InHeight, g.InWidth, g.PadTop, g.PadLeft, g.OutHeight, g.OutWidth,
            g.KernelHeight, g.KernelWidth, g.DilationH, g.DilationW);
        int outG = g.GroupOutChannels, inG = g.GroupInChannels;
        var packed = PackWeights(g.Groups, outG, TileShape(outG).Rows, inG, g.KernelHeight, g.KernelWidth, (o, c, ki, kj) =>
            w[wOffset + ((o * inG + c) * g.KernelHeight + ki) * g.KernelWidth + kj]);
        try
        {
            Run(x, xOffset, g.Batch, frame, packed, g.Groups, outG, y, bias, biasOffset, relu);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    /// <summary>
    /// dx = ∂⟨conv(x, w), dy⟩/∂x for a stride-1 geometry: the stride-1 convolution of dy with the weights transposed and
    /// flipped, padded by (k − 1)·d − pad. dx (N, C, H, W) from index 0 is overwritten.
    /// </summary>
    public static void BackwardInput<T>(T[] dy, int dyOffset, T[] w, int wOffset, T[] dx, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        int outG = g.GroupOutChannels, inG = g.GroupInChannels, kH = g.KernelHeight, kW = g.KernelWidth;
        var frame = new Frame(g.OutChannels, g.OutHeight, g.OutWidth,
            (kH - 1) * g.DilationH - g.PadTop, (kW - 1) * g.DilationW - g.PadLeft, g.InHeight, g.InWidth,
            kH, kW, g.DilationH, g.DilationW);
        // Rows are input channels c of the group, taps are (o, ki', kj') with w'[c, o, ki', kj'] = w[o, c, kH−1−ki', kW−1−kj'].
        var packed = PackWeights(g.Groups, inG, TileShape(inG).Rows, outG, kH, kW, (row, o, ki, kj) =>
            w[wOffset + (((row / inG * outG + o) * inG + row % inG) * kH + (kH - 1 - ki)) * kW + (kW - 1 - kj)]);
        try
        {
            Run(dy, dyOffset, g.Batch, frame, packed, g.Groups, inG, dx);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(packed);
        }
    }

    /// <summary>
    /// dw = ∂⟨conv(x, w), dy⟩/∂w for a stride-1 geometry, written to dw (Cout, C/G, kH, kW) from index 0 (overwritten).
    /// </summary>
    /// <remarks>
    /// The images are summed in the fixed runs of <see cref="WeightRuns{T}"/>, so the result does not depend on the thread
    /// count.
    /// </remarks>
    public static void BackwardWeight<T>(T[] x, int xOffset, T[] dy, int dyOffset, T[] dw, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        var f = new Frame(g.InChannels, g.InHeight, g.InWidth, g.PadTop, g.PadLeft, g.OutHeight, g.OutWidth,
            g.KernelHeight, g.KernelWidth, g.DilationH, g.DilationW);
        int lanes = Lanes<T>(), tile = 2 * lanes;
        int outG = g.GroupOutChannels, inG = g.GroupInChannels, taps = g.GroupPatch, size = g.OutChannels * taps;
        int positions = f.Positions(tile), outPlane = g.OutPlane;
        if (g.Batch == 0 || outPlane == 0 || size == 0)
        {
            dw.AsSpan(0, size).Clear();
            return;
        }
        if (outG % (WideVectors * lanes) == 0)
        {
            BackwardWeightWide(x, xOffset, dy, dyOffset, dw, g, f);
            return;
        }
        int[] offsets = TapOffsets(f, inG);
        // Taps rounded up to whole blocks of 6: the extra ones read offset 0 and are dropped.
        int tapsRounded = (taps + DotTaps - 1) / DotTaps * DotTaps;
        Array.Resize(ref offsets, tapsRounded);
        int rowsRounded = (outG + DotRows - 1) / DotRows * DotRows;
        // Images per Dot call: enough positions to amortise the 24 horizontal sums (about 64 vector steps), few
        // enough that their padded copies stay around 1 MB. Fixed by the shapes alone.
        int imageLength = f.ImageLength(tile), gradLength = g.Groups * rowsRounded * positions;
        int perCall = Math.Clamp((64 * lanes + positions - 1) / positions, 1, Math.Max(1, (1 << 18) / (imageLength + gradLength)));
        long work = (long)g.Batch * g.OutChannels * positions * taps;
        WeightRuns<T>.Sum(g.Batch, size, dw, runs => Partition.For(runs.Count, work, (firstRun, lastRun) =>
        {
            var images = ArrayPool<T>.Shared.Rent(perCall * imageLength);
            // dy of each image on the padded width, each group's rows rounded up to 4 (zero rows).
            var grads = ArrayPool<T>.Shared.Rent(perCall * gradLength);
            try
            {
                fixed (T* pImages = images, pGrads = grads)
                fixed (int* pOff = offsets)
                {
                    T* sums = stackalloc T[DotRows * DotTaps];
                    for (int run = firstRun; run < lastRun; run++)
                    {
                        var (sum, sumOffset) = runs.Target(run);
                        var (n0, n1) = runs.Items(run);
                        for (int nb = n0; nb < n1; nb += perCall)
                        {
                            int count = Math.Min(perCall, n1 - nb);
                            for (int i = 0; i < count; i++)
                            {
                                Pad(x, xOffset + (nb + i) * g.InChannels * g.InPlane, f, images.AsSpan(i * imageLength, imageLength));
                                SpreadGradient(dy, dyOffset + (nb + i) * g.OutChannels * outPlane, g, f.Wp, rowsRounded, positions,
                                    grads.AsSpan(i * gradLength, gradLength));
                            }
                            for (int grp = 0; grp < g.Groups; grp++)
                            {
                                T* xg = pImages + (nint)grp * inG * f.PlaneP;
                                for (int o0 = 0; o0 < outG; o0 += DotRows)
                                {
                                    T* rows = pGrads + (nint)(grp * rowsRounded + o0) * positions;
                                    for (int p0 = 0; p0 < taps; p0 += DotTaps)
                                    {
                                        Dot(rows, positions, gradLength, xg, imageLength, pOff + p0, positions, count, sums);
                                        for (int r = 0; r < DotRows && o0 + r < outG; r++)
                                            for (int t = 0; t < DotTaps && p0 + t < taps; t++)
                                                sum[sumOffset + (grp * outG + o0 + r) * taps + p0 + t] += sums[r * DotTaps + t];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(images);
                ArrayPool<T>.Shared.Return(grads);
            }
        }));
    }

    /// <summary>Vectors of output channels per wide weight-gradient tile (64 floats, 32 doubles), and its taps.</summary>
    private const int WideVectors = 4, WideTaps = 6;

    /// <summary>
    /// <see cref="BackwardWeight{T}"/> for groups of a multiple of 4 vectors of output channels (64 floats): the weight
    /// gradient as a matrix product with no horizontal sums. dWᵀ[p, o] = Σ_n Σ_(oh, ow) frame[oh·Wp + ow + off(p)] ·
    /// dyᵀ[oh·Wout + ow, o]: dy transposed to (positions, channels) per image, a register tile of 6 taps × 64 channels
    /// held over all of an image's positions (each step: four loads of dyᵀ, six broadcasts from the frame, 24 FMAs),
    /// summed per run into dWᵀ and transposed into dW at the end of the run. In-process A/B on the benchmark's 64→64
    /// layer, one core, 12 alternating rounds each: 28.5 and 31.5 ms median against 35.7 and 42.2 for the dot products.
    /// </summary>
    private static void BackwardWeightWide<T>(T[] x, int xOffset, T[] dy, int dyOffset, T[] dw, ConvGeometry g, Frame f)
        where T : unmanaged, INumber<T>
    {
        int lanes = Lanes<T>(), width = WideVectors * lanes, tile = 2 * lanes;
        int outG = g.GroupOutChannels, inG = g.GroupInChannels, taps = g.GroupPatch, size = g.OutChannels * taps;
        int outPlane = g.OutPlane, imageLength = f.ImageLength(tile);
        int tapsRounded = (taps + WideTaps - 1) / WideTaps * WideTaps;
        int[] offsets = TapOffsets(f, inG);
        Array.Resize(ref offsets, tapsRounded);   // the extra taps read offset 0 and are dropped
        long work = (long)g.Batch * g.OutChannels * outPlane * taps;
        WeightRuns<T>.Sum(g.Batch, size, dw, runs => Partition.For(runs.Count, work, (firstRun, lastRun) =>
        {
            var image = ArrayPool<T>.Shared.Rent(imageLength);
            var gradT = ArrayPool<T>.Shared.Rent(g.Groups * outPlane * outG);
            var sumT = ArrayPool<T>.Shared.Rent(g.Groups * tapsRounded * outG);
            try
            {
                fixed (T* pImage = image, pGradT = gradT, pSumT = sumT)
                fixed (int* pOff = offsets)
                {
                    T* result = stackalloc T[WideTaps * width];
                    for (int run = firstRun; run < lastRun; run++)
                    {
                        var (sum, sumOffset) = runs.Target(run);
                        var (n0, n1) = runs.Items(run);
                        sumT.AsSpan(0, g.Groups * tapsRounded * outG).Clear();
                        for (int n = n0; n < n1; n++)
                        {
                            Pad(x, xOffset + n * g.InChannels * g.InPlane, f, image.AsSpan(0, imageLength));
                            for (int grp = 0; grp < g.Groups; grp++)
                                Transpose.Copy(dy, dyOffset + (n * g.OutChannels + grp * outG) * outPlane, outPlane,
                                    gradT, grp * outPlane * outG, outG, outPlane, outG);
                            for (int grp = 0; grp < g.Groups; grp++)
                            {
                                T* frame = pImage + (nint)grp * inG * f.PlaneP;
                                T* grad = pGradT + (nint)grp * outPlane * outG;
                                T* groupSum = pSumT + (nint)grp * tapsRounded * outG;
                                for (int p0 = 0; p0 < tapsRounded; p0 += WideTaps)
                                    for (int c0 = 0; c0 < outG; c0 += width)
                                    {
                                        WideTile(frame, f.Wp, g.OutHeight, g.OutWidth, pOff + p0, grad + c0, outG, result);
                                        for (int t = 0; t < WideTaps; t++)
                                        {
                                            var target = new Span<T>(groupSum + (nint)(p0 + t) * outG + c0, width);
                                            System.Numerics.Tensors.TensorPrimitives.Add(target, new ReadOnlySpan<T>(result + t * width, width), target);
                                        }
                                    }
                            }
                        }
                        // dWᵀ (taps, channels) of the run into dW (channels, taps).
                        for (int grp = 0; grp < g.Groups; grp++)
                            for (int o = 0; o < outG; o++)
                                for (int p = 0; p < taps; p++)
                                    sum[sumOffset + (grp * outG + o) * taps + p] += pSumT[((nint)grp * tapsRounded + p) * outG + o];
                    }
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(image);
                ArrayPool<T>.Shared.Return(gradT);
                ArrayPool<T>.Shared.Return(sumT);
            }
        }));
    }

    /// <summary>
    /// result[t·64 + j] = Σ_(oh, ow) frame[oh·wp + ow + off[t]] · grad[(oh·outW + ow)·ldg + j] for t &lt; 6, j &lt; 4 vectors:
    /// the wide weight-gradient register tile, summed over every output position of one image in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void WideTile<T>(T* frame, nint wp, int outH, int outW, int* off, T* grad, nint ldg, T* result) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        Vector512<T> c0a = default, c0b = default, c0c = default, c0d = default, c1a = default, c1b = default, c1c = default, c1d = default;
        Vector512<T> c2a = default, c2b = default, c2c = default, c2d = default, c3a = default, c3b = default, c3c = default, c3d = default;
        Vector512<T> c4a = default, c4b = default, c4c = default, c4d = default, c5a = default, c5b = default, c5c = default, c5d = default;
        T* f0 = frame + off[0], f1 = frame + off[1], f2 = frame + off[2], f3 = frame + off[3], f4 = frame + off[4], f5 = frame + off[5];
        for (int oh = 0; oh < outH; oh++, f0 += wp, f1 += wp, f2 += wp, f3 += wp, f4 += wp, f5 += wp)
        {
            T* d = grad + (nint)oh * outW * ldg;
            for (int ow = 0; ow < outW; ow++, d += ldg)
            {
                var b0 = Vector512.Load(d);
                var b1 = Vector512.Load(d + v);
                var b2 = Vector512.Load(d + 2 * v);
                var b3 = Vector512.Load(d + 3 * v);
                var a = Vector512.Create(f0[ow]); c0a = Fma(a, b0, c0a); c0b = Fma(a, b1, c0b); c0c = Fma(a, b2, c0c); c0d = Fma(a, b3, c0d);
                a = Vector512.Create(f1[ow]); c1a = Fma(a, b0, c1a); c1b = Fma(a, b1, c1b); c1c = Fma(a, b2, c1c); c1d = Fma(a, b3, c1d);
                a = Vector512.Create(f2[ow]); c2a = Fma(a, b0, c2a); c2b = Fma(a, b1, c2b); c2c = Fma(a, b2, c2c); c2d = Fma(a, b3, c2d);
                a = Vector512.Create(f3[ow]); c3a = Fma(a, b0, c3a); c3b = Fma(a, b1, c3b); c3c = Fma(a, b2, c3c); c3d = Fma(a, b3, c3d);
                a = Vector512.Create(f4[ow]); c4a = Fma(a, b0, c4a); c4b = Fma(a, b1, c4b); c4c = Fma(a, b2, c4c); c4d = Fma(a, b3, c4d);
                a = Vector512.Create(f5[ow]); c5a = Fma(a, b0, c5a); c5b = Fma(a, b1, c5b); c5c = Fma(a, b2, c5c); c5d = Fma(a, b3, c5d);
            }
        }
        T* r = result;
        c0a.Store(r); c0b.Store(r + v); c0c.Store(r + 2 * v); c0d.Store(r + 3 * v); r += 4 * v;
        c1a.Store(r); c1b.Store(r + v); c1c.Store(r + 2 * v); c1d.Store(r + 3 * v); r += 4 * v;
        c2a.Store(r); c2b.Store(r + v); c2c.Store(r + 2 * v); c2d.Store(r + 3 * v); r += 4 * v;
        c3a.Store(r); c3b.Store(r + v); c3c.Store(r + 2 * v); c3d.Store(r + 3 * v); r += 4 * v;
        c4a.Store(r); c4b.Store(r + v); c4c.Store(r + 2 * v); c4d.Store(r + 3 * v); r += 4 * v;
        c5a.Store(r); c5b.Store(r + v); c5c.Store(r + 2 * v); c5d.Store(r + 3 * v);
    }

    /// <summary>
    /// One image's dy (Cout, Hout, Wout) at src[offset..] onto the padded width: grad[(grp·rowsRounded + r)·positions
    /// + oh·Wp + ow], zero in the garbage columns, the padding rows and past the last row.
    /// </summary>
    private static void SpreadGradient<T>(T[] src, int offset, ConvGeometry g, int wp, int rowsRounded, int positions, Span<T> grad)
        where T : unmanaged
    {
        int outG = g.GroupOutChannels;
        grad.Clear();
        for (int grp = 0; grp < g.Groups; grp++)
            for (int r = 0; r < outG; r++)
            {
                int from = offset + (grp * outG + r) * g.OutPlane, to = (grp * rowsRounded + r) * positions;
                for (int oh = 0; oh < g.OutHeight; oh++)
                    Copy.Short<T>(src.AsSpan(from + oh * g.OutWidth, g.OutWidth), grad.Slice(to + oh * wp, g.OutWidth));
            }
    }

    /// <summary>
    /// sums[r·6 + t] = Σ_{i &lt; count} Σ_{j &lt; length} rows[i·rowsStride + r·ld + j]·x[i·xStride + off[t] + j] for r &lt; 4,
    /// t &lt; 6; length is a whole number of vectors. Each lane sums its own positions in order and the lanes are added at
    /// the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Dot<T>(T* rows, nint ld, nint rowsStride, T* x, nint xStride, int* off, int length, int count, T* sums)
        where T : unmanaged, INumber<T>
    {
        int v = Vector512<T>.Count;
        Vector512<T> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default;
        Vector512<T> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
        Vector512<T> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default, s25 = default;
        Vector512<T> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default, s35 = default;
        for (int i = 0; i < count; i++, rows += rowsStride, x += xStride)
        {
            T* r0 = rows, r1 = rows + ld, r2 = rows + 2 * ld, r3 = rows + 3 * ld;
            T* x0 = x + off[0], x1 = x + off[1], x2 = x + off[2], x3 = x + off[3], x4 = x + off[4], x5 = x + off[5];
            for (int j = 0; j < length; j += v)
            {
                var a0 = Vector512.Load(r0 + j); var a1 = Vector512.Load(r1 + j);
                var a2 = Vector512.Load(r2 + j); var a3 = Vector512.Load(r3 + j);
                var b = Vector512.Load(x0 + j);
                s00 = Fma(a0, b, s00); s10 = Fma(a1, b, s10); s20 = Fma(a2, b, s20); s30 = Fma(a3, b, s30);
                b = Vector512.Load(x1 + j);
                s01 = Fma(a0, b, s01); s11 = Fma(a1, b, s11); s21 = Fma(a2, b, s21); s31 = Fma(a3, b, s31);
                b = Vector512.Load(x2 + j);
                s02 = Fma(a0, b, s02); s12 = Fma(a1, b, s12); s22 = Fma(a2, b, s22); s32 = Fma(a3, b, s32);
                b = Vector512.Load(x3 + j);
                s03 = Fma(a0, b, s03); s13 = Fma(a1, b, s13); s23 = Fma(a2, b, s23); s33 = Fma(a3, b, s33);
                b = Vector512.Load(x4 + j);
                s04 = Fma(a0, b, s04); s14 = Fma(a1, b, s14); s24 = Fma(a2, b, s24); s34 = Fma(a3, b, s34);
                b = Vector512.Load(x5 + j);
                s05 = Fma(a0, b, s05); s15 = Fma(a1, b, s15); s25 = Fma(a2, b, s25); s35 = Fma(a3, b, s35);
            }
        }
        sums[0] = Reduce(s00); sums[1] = Reduce(s01); sums[2] = Reduce(s02);
        sums[3] = Reduce(s03); sums[4] = Reduce(s04); sums[5] = Reduce(s05);
        sums[6] = Reduce(s10); sums[7] = Reduce(s11); sums[8] = Reduce(s12);
        sums[9] = Reduce(s13); sums[10] = Reduce(s14); sums[11] = Reduce(s15);
        sums[12] = Reduce(s20); sums[13] = Reduce(s21); sums[14] = Reduce(s22);
        sums[15] = Reduce(s23); sums[16] = Reduce(s24); sums[17] = Reduce(s25);
        sums[18] = Reduce(s30); sums[19] = Reduce(s31); sums[20] = Reduce(s32);
        sums[21] = Reduce(s33); sums[22] = Reduce(s34); sums[23] = Reduce(s35);
    }

    /// <summary>Weight value of output row r, tap (c, ki, kj), all relative to one group.</summary>
    private delegate T WeightAt<T>(int row, int c, int ki, int kj);

    /// <summary>
    /// Packs the weights as [group][row block][tap][blockRows], rows past the group's count zero. The row index passed
    /// to <paramref name="at"/> is absolute (group·rows + r); the channel index is relative to the group.
    /// </summary>
    private static T[] PackWeights<T>(int groups, int rows, int blockRows, int channels, int kH, int kW, WeightAt<T> at)
        where T : unmanaged, INumber<T>
    {
        int taps = channels * kH * kW, blocks = (rows + blockRows - 1) / blockRows;
        var packed = ArrayPool<T>.Shared.Rent(groups * blocks * taps * blockRows);
        for (int grp = 0; grp < groups; grp++)
            for (int b = 0; b < blocks; b++)
            {
                int baseIndex = (grp * blocks + b) * taps * blockRows;
                for (int p = 0; p < taps; p++)
                {
                    int c = p / (kH * kW), ki = p / kW % kH, kj = p % kW;
                    for (int r = 0; r < blockRows; r++)
                    {
                        int row = b * blockRows + r;
                        packed[baseIndex + p * blockRows + r] = row < rows ? at(grp * rows + row, c, ki, kj) : T.Zero;
                    }
                }
            }
        return packed;
    }

    /// <summary>
    /// The shared forward: out[n, grp·rows + r] = Σ_taps packed · padded src[n], for each image, split over images.
    /// </summary>
    /// <remarks>
    /// Each register tile covers <c>vectors</c> vectors of output positions, each read from the frame at its own offset.
    /// When an output row is a whole number of vectors (Wout a multiple of the lanes, as 32 floats), vector v holds
    /// positions [v·L, v·L + L) of the output plane, all in row v·L / Wout, so it reads the frame from
    /// (v·L / Wout)·Wp + v·L mod Wout: no garbage columns, and full blocks of rows are written in place in the output.
    /// Otherwise the vectors run along the padded width, garbage columns included, into a staging buffer that is copied
    /// out without them. Both give the same sums in the same order.
    /// </remarks>
    private static void Run<T>(T[] src, int srcOffset, int batch, Frame f, T[] packed, int groups, int rows, T[] dst,
        T[]? bias = null, int biasOffset = 0, bool relu = false)
        where T : unmanaged, INumber<T>
    {
        var (blockRows, vectors) = TileShape(rows);
        // The bias per (group, block, row), zero on the rows that pad a group's last block: the tiles add it as they store.
        T[]? blockBias = null;
        if (bias is not null)
        {
            int blockCount = (rows + blockRows - 1) / blockRows;
            blockBias = new T[groups * blockCount * blockRows];
            for (int grp = 0; grp < groups; grp++)
                for (int r = 0; r < rows; r++)
                    blockBias[(grp * blockCount + r / blockRows) * blockRows + r % blockRows] = bias[biasOffset + grp * rows + r];
        }
        int lanes = Lanes<T>(), tile = vectors * lanes;
        int outPlane = f.OutH * f.OutW, outChannels = groups * rows;
        int inG = f.Channels / groups, taps = inG * f.KH * f.KW, blocks = (rows + blockRows - 1) / blockRows;
        if (batch == 0 || outPlane == 0 || outChannels == 0) return;
        bool inPlace = f.OutW % lanes == 0 && !PaddedWidthOnly;
        int vectorCount = inPlace ? outPlane / lanes : f.Positions(tile) / lanes;
        int tiles = (vectorCount + vectors - 1) / vectors, ld = tiles * tile;
        // Frame offset of each vector; those past the last (a partial last tile) read the frame's start and are dropped.
        var reads = new int[tiles * vectors];
        for (int v = 0; v < vectorCount; v++)
            reads[v] = inPlace ? v * lanes / f.OutW * f.Wp + v * lanes % f.OutW : v * lanes;
        int[] offsets = TapOffsets(f, inG);
        long work = (long)batch * outChannels * ld * taps;
        Partition.For(batch, work, (first, last) =>
        {
            var image = ArrayPool<T>.Shared.Rent(f.ImageLength(tile));
            var staging = ArrayPool<T>.Shared.Rent(blocks * blockRows * ld);
            try
            {
                fixed (T* pImage = image, pStaging = staging, pPacked = packed, pDst = dst, pBias = blockBias)
                fixed (int* pOff = offsets, pReads = reads)
                    for (int n = first; n < last; n++)
                    {
                        Pad(src, srcOffset + n * f.Channels * f.H * f.W, f, image.AsSpan());
                        for (int grp = 0; grp < groups; grp++)
                        {
                            T* xg = pImage + (nint)grp * inG * f.PlaneP;
                            for (int b = 0; b < blocks; b++)
                            {
                                int r0 = b * blockRows, valid = Math.Min(blockRows, rows - r0);
                                T* outRows = pDst + ((nint)n * outChannels + grp * rows + r0) * outPlane;
                                // Full blocks of in-place rows go straight to the output, except a partial last tile,
                                // which is summed at the start of the block's staging area (rows of one tile).
                                bool direct = inPlace && valid == blockRows;
                                T* staged = pStaging + (nint)b * blockRows * ld;
                                T* yb = direct ? outRows : staged;
                                nint ldy = direct ? outPlane : ld;
                                int fullTiles = direct ? vectorCount / vectors : tiles;
                                T* wb = pPacked + (nint)(grp * blocks + b) * taps * blockRows;
                                T* bb = pBias is null ? null : pBias + (nint)(grp * blocks + b) * blockRows;
                                for (int t = 0; t < tiles; t++)
                                {
                                    int* rv = pReads + t * vectors;
                                    T* y = t < fullTiles ? yb + t * tile : staged;
                                    nint ly = t < fullTiles ? ldy : tile;
                                    if (blockRows == Rows)
                                        Tile(wb, xg + rv[0], xg + rv[1], pOff, taps, y, ly, bb, relu);
                                    else if (blockRows == MiddleRows)
                                        MiddleTile(wb, xg + rv[0], xg + rv[1], xg + rv[2], pOff, taps, y, ly, bb, relu);
                                    else
                                        NarrowTile(wb, xg + rv[0], xg + rv[1], xg + rv[2], xg + rv[3], pOff, taps, y, ly, bb, relu);
                                }
                                CopyOut(f, inPlace, direct, valid, staged, direct ? tile : ld, fullTiles * tile, outRows, outPlane);
                            }
                        }
                    }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(image);
                ArrayPool<T>.Shared.Return(staging);
            }
        });
    }

    /// <summary>
    /// Moves one block's finished outputs (bias and ReLU already applied by the tiles) into its <paramref name="valid"/>
    /// output planes at <paramref name="outRows"/>. <paramref name="staged"/> holds rows of <paramref name="ld"/>: for a
    /// direct block, already in place, only its partial last tile (output positions from <paramref name="tailStart"/>);
    /// for the others, all of each row, compact or on the padded width.
    /// </summary>
    private static void CopyOut<T>(Frame f, bool inPlace, bool direct, int valid, T* staged, int ld, int tailStart,
        T* outRows, int outPlane)
        where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < valid; r++)
        {
            var plane = new Span<T>(outRows + (nint)r * outPlane, outPlane);
            if (direct)
            {
                if (tailStart < outPlane)
                    Copy.Short(new ReadOnlySpan<T>(staged + (nint)r * ld, outPlane - tailStart), plane[tailStart..]);
                continue;
            }
            T* s = staged + (nint)r * ld;
            int rowLength = inPlace ? outPlane : f.OutW, rowCount = inPlace ? 1 : f.OutH, stride = inPlace ? 0 : f.Wp;
            for (int oh = 0; oh < rowCount; oh++)
                Copy.Short(new ReadOnlySpan<T>(s + (nint)oh * stride, rowLength), plane.Slice(oh * rowLength, rowLength));
        }
    }

    /// <summary>
    /// Forces the forward tiles onto the padded width even where output rows are whole vectors, on this thread: tests
    /// compare the two layouts bit for bit, and tuning measures one against the other.
    /// </summary>
    internal static bool PaddedWidthOnly
    {
        get => s_paddedWidthOnly.AnySet && t_paddedWidthOnly;
        set
        {
            s_paddedWidthOnly.Changed(t_paddedWidthOnly, value);
            t_paddedWidthOnly = value;
        }
    }

    [ThreadStatic] private static bool t_paddedWidthOnly;
    private static ThreadSettingCount s_paddedWidthOnly;

    /// <summary>off(c, ki, kj) = c·Hp·Wp + ki·dH·Wp + kj·dW for the channels of one group, in tap order.</summary>
    private static int[] TapOffsets(Frame f, int channels)
    {
        var offsets = new int[channels * f.KH * f.KW];
        for (int c = 0, p = 0; c < channels; c++)
            for (int ki = 0; ki < f.KH; ki++)
                for (int kj = 0; kj < f.KW; kj++, p++)
                    offsets[p] = c * f.PlaneP + ki * f.DH * f.Wp + kj * f.DW;
        return offsets;
    }

    /// <summary>
    /// Copies one image (C, H, W) at src[offset..] into the padded frame (C, Hp, Wp): source row ih goes to padded
    /// row ih + PadTop, column iw to iw + PadLeft; whatever falls outside the frame is dropped (negative padding), and
    /// every other element of the buffer, slack included, is set to zero.
    /// </summary>
    private static void Pad<T>(T[] src, int offset, Frame f, Span<T> image) where T : unmanaged
    {
        int tile = 2 * Lanes<T>();
        int wp = f.Wp, hp = f.Hp;
        // The source columns that land inside the frame, and where.
        int iwLo = Math.Max(0, -f.PadLeft), iwHi = Math.Min(f.W, wp - f.PadLeft);
        int ihLo = Math.Max(0, -f.PadTop), ihHi = Math.Min(f.H, hp - f.PadTop);
        var buffer = image[..f.ImageLength(tile)];
        for (int c = 0; c < f.Channels; c++)
        {
            var plane = buffer.Slice(c * f.PlaneP, f.PlaneP);
            int firstRow = ihLo + f.PadTop, lastRow = ihHi + f.PadTop;   // padded rows [firstRow, lastRow) hold data
            if (ihHi <= ihLo || iwHi <= iwLo)
            {
                plane.Clear();
                continue;
            }
            plane[..(firstRow * wp)].Clear();
            plane[(lastRow * wp)..].Clear();
            int left = iwLo + f.PadLeft, width = iwHi - iwLo;
            for (int ih = ihLo; ih < ihHi; ih++)
            {
                var row = plane.Slice((ih + f.PadTop) * wp, wp);
                row[..left].Clear();
                Copy.Short<T>(src.AsSpan(offset + (c * f.H + ih) * f.W + iwLo, width), row.Slice(left, width));
                row[(left + width)..].Clear();
            }
        }
        buffer[(f.Channels * f.PlaneP)..].Clear();
    }

    /// <summary>
    /// Stores one output row of a forward tile: each accumulator plus the row's bias (one rounding after the whole sum,
    /// the bits of adding it afterwards), then ReLU's rule (x &gt; 0 or NaN stays, anything else becomes +0, as
    /// <see cref="UnaryOp.Relu"/>); bias null and relu false store the sums as they are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<T>(T* y, int r, T* bias, bool relu, Vector512<T> a, Vector512<T> b) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        if (bias is not null || relu) { var add = Bias(bias, r); a = Finish(a, add, bias is not null, relu); b = Finish(b, add, bias is not null, relu); }
        a.Store(y); b.Store(y + v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<T>(T* y, int r, T* bias, bool relu, Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        if (bias is not null || relu)
        {
            var add = Bias(bias, r);
            a = Finish(a, add, bias is not null, relu); b = Finish(b, add, bias is not null, relu); c = Finish(c, add, bias is not null, relu);
        }
        a.Store(y); b.Store(y + v); c.Store(y + 2 * v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<T>(T* y, int r, T* bias, bool relu, Vector512<T> a, Vector512<T> b, Vector512<T> c, Vector512<T> d)
        where T : unmanaged
    {
        int v = Vector512<T>.Count;
        if (bias is not null || relu)
        {
            var add = Bias(bias, r);
            a = Finish(a, add, bias is not null, relu); b = Finish(b, add, bias is not null, relu);
            c = Finish(c, add, bias is not null, relu); d = Finish(d, add, bias is not null, relu);
        }
        a.Store(y); b.Store(y + v); c.Store(y + 2 * v); d.Store(y + 3 * v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Bias<T>(T* bias, int r) where T : unmanaged => bias is null ? default : Vector512.Create(bias[r]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Finish<T>(Vector512<T> x, Vector512<T> bias, bool hasBias, bool relu) where T : unmanaged
    {
        if (hasBias) x += bias;
        return relu ? Activations.ReluLanes(x) : x;
    }

    /// <summary>
    /// The forward register tile: y[r·ldy + i·L + j] = Σ_p w[p·12 + r]·x_i[off[p] + j] for r &lt; 12, i &lt; 2 vectors, j &lt; L
    /// lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void Tile<T>(T* w, T* x0, T* x1, int* off, int taps, T* y, nint ldy, T* bias = null, bool relu = false) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        Vector512<T> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        Vector512<T> c6a = default, c6b = default, c7a = default, c7b = default, c8a = default, c8b = default;
        Vector512<T> c9a = default, c9b = default, c10a = default, c10b = default, c11a = default, c11b = default;
        for (int p = 0; p < taps; p++)
        {
            nint o = off[p];
            var b0 = Vector512.Load(x0 + o);
            var b1 = Vector512.Load(x1 + o);
            var a = Vector512.Create(w[0]); c0a = Fma(a, b0, c0a); c0b = Fma(a, b1, c0b);
            a = Vector512.Create(w[1]); c1a = Fma(a, b0, c1a); c1b = Fma(a, b1, c1b);
            a = Vector512.Create(w[2]); c2a = Fma(a, b0, c2a); c2b = Fma(a, b1, c2b);
            a = Vector512.Create(w[3]); c3a = Fma(a, b0, c3a); c3b = Fma(a, b1, c3b);
            a = Vector512.Create(w[4]); c4a = Fma(a, b0, c4a); c4b = Fma(a, b1, c4b);
            a = Vector512.Create(w[5]); c5a = Fma(a, b0, c5a); c5b = Fma(a, b1, c5b);
            a = Vector512.Create(w[6]); c6a = Fma(a, b0, c6a); c6b = Fma(a, b1, c6b);
            a = Vector512.Create(w[7]); c7a = Fma(a, b0, c7a); c7b = Fma(a, b1, c7b);
            a = Vector512.Create(w[8]); c8a = Fma(a, b0, c8a); c8b = Fma(a, b1, c8b);
            a = Vector512.Create(w[9]); c9a = Fma(a, b0, c9a); c9b = Fma(a, b1, c9b);
            a = Vector512.Create(w[10]); c10a = Fma(a, b0, c10a); c10b = Fma(a, b1, c10b);
            a = Vector512.Create(w[11]); c11a = Fma(a, b0, c11a); c11b = Fma(a, b1, c11b);
            w += Rows;
        }
        Row(y, 0, bias, relu, c0a, c0b); y += ldy;
        Row(y, 1, bias, relu, c1a, c1b); y += ldy;
        Row(y, 2, bias, relu, c2a, c2b); y += ldy;
        Row(y, 3, bias, relu, c3a, c3b); y += ldy;
        Row(y, 4, bias, relu, c4a, c4b); y += ldy;
        Row(y, 5, bias, relu, c5a, c5b); y += ldy;
        Row(y, 6, bias, relu, c6a, c6b); y += ldy;
        Row(y, 7, bias, relu, c7a, c7b); y += ldy;
        Row(y, 8, bias, relu, c8a, c8b); y += ldy;
        Row(y, 9, bias, relu, c9a, c9b); y += ldy;
        Row(y, 10, bias, relu, c10a, c10b); y += ldy;
        Row(y, 11, bias, relu, c11a, c11b);
    }

    /// <summary>
    /// The middle forward tile: y[r·ldy + i·L + j] = Σ_p w[p·8 + r]·x_i[off[p] + j] for r &lt; 8, i &lt; 3 vectors (as
    /// <see cref="Tile{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void MiddleTile<T>(T* w, T* x0, T* x1, T* x2, int* off, int taps, T* y, nint ldy, T* bias = null, bool relu = false) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        Vector512<T> c0a = default, c0b = default, c0c = default, c1a = default, c1b = default, c1c = default;
        Vector512<T> c2a = default, c2b = default, c2c = default, c3a = default, c3b = default, c3c = default;
        Vector512<T> c4a = default, c4b = default, c4c = default, c5a = default, c5b = default, c5c = default;
        Vector512<T> c6a = default, c6b = default, c6c = default, c7a = default, c7b = default, c7c = default;
        for (int p = 0; p < taps; p++)
        {
            nint o = off[p];
            var b0 = Vector512.Load(x0 + o);
            var b1 = Vector512.Load(x1 + o);
            var b2 = Vector512.Load(x2 + o);
            var a = Vector512.Create(w[0]); c0a = Fma(a, b0, c0a); c0b = Fma(a, b1, c0b); c0c = Fma(a, b2, c0c);
            a = Vector512.Create(w[1]); c1a = Fma(a, b0, c1a); c1b = Fma(a, b1, c1b); c1c = Fma(a, b2, c1c);
            a = Vector512.Create(w[2]); c2a = Fma(a, b0, c2a); c2b = Fma(a, b1, c2b); c2c = Fma(a, b2, c2c);
            a = Vector512.Create(w[3]); c3a = Fma(a, b0, c3a); c3b = Fma(a, b1, c3b); c3c = Fma(a, b2, c3c);
            a = Vector512.Create(w[4]); c4a = Fma(a, b0, c4a); c4b = Fma(a, b1, c4b); c4c = Fma(a, b2, c4c);
            a = Vector512.Create(w[5]); c5a = Fma(a, b0, c5a); c5b = Fma(a, b1, c5b); c5c = Fma(a, b2, c5c);
            a = Vector512.Create(w[6]); c6a = Fma(a, b0, c6a); c6b = Fma(a, b1, c6b); c6c = Fma(a, b2, c6c);
            a = Vector512.Create(w[7]); c7a = Fma(a, b0, c7a); c7b = Fma(a, b1, c7b); c7c = Fma(a, b2, c7c);
            w += MiddleRows;
        }
        Row(y, 0, bias, relu, c0a, c0b, c0c); y += ldy;
        Row(y, 1, bias, relu, c1a, c1b, c1c); y += ldy;
        Row(y, 2, bias, relu, c2a, c2b, c2c); y += ldy;
        Row(y, 3, bias, relu, c3a, c3b, c3c); y += ldy;
        Row(y, 4, bias, relu, c4a, c4b, c4c); y += ldy;
        Row(y, 5, bias, relu, c5a, c5b, c5c); y += ldy;
        Row(y, 6, bias, relu, c6a, c6b, c6c); y += ldy;
        Row(y, 7, bias, relu, c7a, c7b, c7c);
    }

    /// <summary>
    /// The narrow forward tile: y[r·ldy + i·L + j] = Σ_p w[p·6 + r]·x_i[off[p] + j] for r &lt; 6, i &lt; 4 vectors (as
    /// <see cref="Tile{T}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static void NarrowTile<T>(T* w, T* x0, T* x1, T* x2, T* x3, int* off, int taps, T* y, nint ldy, T* bias = null, bool relu = false) where T : unmanaged
    {
        int v = Vector512<T>.Count;
        Vector512<T> c0a = default, c0b = default, c0c = default, c0d = default, c1a = default, c1b = default, c1c = default, c1d = default;
        Vector512<T> c2a = default, c2b = default, c2c = default, c2d = default, c3a = default, c3b = default, c3c = default, c3d = default;
        Vector512<T> c4a = default, c4b = default, c4c = default, c4d = default, c5a = default, c5b = default, c5c = default, c5d = default;
        for (int p = 0; p < taps; p++)
        {
            nint o = off[p];
            var b0 = Vector512.Load(x0 + o);
            var b1 = Vector512.Load(x1 + o);
            var b2 = Vector512.Load(x2 + o);
            var b3 = Vector512.Load(x3 + o);
            var a = Vector512.Create(w[0]); c0a = Fma(a, b0, c0a); c0b = Fma(a, b1, c0b); c0c = Fma(a, b2, c0c); c0d = Fma(a, b3, c0d);
            a = Vector512.Create(w[1]); c1a = Fma(a, b0, c1a); c1b = Fma(a, b1, c1b); c1c = Fma(a, b2, c1c); c1d = Fma(a, b3, c1d);
            a = Vector512.Create(w[2]); c2a = Fma(a, b0, c2a); c2b = Fma(a, b1, c2b); c2c = Fma(a, b2, c2c); c2d = Fma(a, b3, c2d);
            a = Vector512.Create(w[3]); c3a = Fma(a, b0, c3a); c3b = Fma(a, b1, c3b); c3c = Fma(a, b2, c3c); c3d = Fma(a, b3, c3d);
            a = Vector512.Create(w[4]); c4a = Fma(a, b0, c4a); c4b = Fma(a, b1, c4b); c4c = Fma(a, b2, c4c); c4d = Fma(a, b3, c4d);
            a = Vector512.Create(w[5]); c5a = Fma(a, b0, c5a); c5b = Fma(a, b1, c5b); c5c = Fma(a, b2, c5c); c5d = Fma(a, b3, c5d);
            w += NarrowRows;
        }
        Row(y, 0, bias, relu, c0a, c0b, c0c, c0d); y += ldy;
        Row(y, 1, bias, relu, c1a, c1b, c1c, c1d); y += ldy;
        Row(y, 2, bias, relu, c2a, c2b, c2c, c2d); y += ldy;
        Row(y, 3, bias, relu, c3a, c3b, c3c, c3d); y += ldy;
        Row(y, 4, bias, relu, c4a, c4b, c4c, c4d); y += ldy;
        Row(y, 5, bias, relu, c5a, c5b, c5c, c5d);
    }

    /// <summary>
    /// The sum of a vector's lanes by halving: 512 → 256 → 128 bits with one add each, then the 128-bit sum. About 8
    /// instructions; <c>Vector512.Sum</c> reduced each 128-bit quarter on its own (22), a quarter of the weight-gradient
    /// kernel's instructions for the benchmark's layer. In-process A/B on that layer, one core, 12 alternating rounds:
    /// 39.2 ms median against 44.5.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Reduce<T>(Vector512<T> v) where T : unmanaged, INumber<T>
    {
        var half = v.GetLower() + v.GetUpper();
        return Vector128.Sum(half.GetLower() + half.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }
}
