using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;

namespace Cajal.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation) and its two backward passes, by im2col + GEMM over chunks of the batch.
/// </summary>
/// <remarks>
/// This class is the kernel boundary of every convolution op: Conv2d's forward and backward and ConvTranspose2d
/// (whose forward is Conv2d's input gradient) call only these three methods, so a faster algorithm (direct,
/// Winograd, a packed GEMM) can replace the bodies without touching the ops.
/// Per chunk of nb images and per group, with X = im2col(input) (C·kH·kW, nb·L) and Y (Cout, nb·L):
/// <code>
/// forward:        Y_g  = W_g · X_g               W_g (Cout/G, Cin/G·kH·kW)
/// input grad:     dX_g = W_gᵀ · dY_g,  dinput = col2im(dX)
/// weight grad:    dW_g += dY_g · X_gᵀ
/// </code>
/// Y and dY are kept (Cout, nb·L) for the GEMM and interleaved with the (nb, Cout, L) tensor layout around it.
/// </remarks>
internal static class Convolution
{
    [ThreadStatic] private static ConvAlgorithm t_forcedAlgorithm;
    private static ThreadSettingCount s_forcing;

    /// <summary>Forces an algorithm on the calling thread (tests run both on one machine); Auto restores the choice.</summary>
    internal static ConvAlgorithm ForcedAlgorithm
    {
        get => s_forcing.AnySet ? t_forcedAlgorithm : ConvAlgorithm.Auto;
        set
        {
            s_forcing.Changed(t_forcedAlgorithm != ConvAlgorithm.Auto, value != ConvAlgorithm.Auto);
            t_forcedAlgorithm = value;
        }
    }

    /// <summary>The algorithm the three passes use for geometry g and element type T on this machine.</summary>
    internal static ConvAlgorithm Choose<T>(ConvGeometry g)
    {
        bool direct = g.StrideH == 1 && g.StrideW == 1 && ConvDirect.IsSupported<T>();
        var forced = ForcedAlgorithm;
        if (forced == ConvAlgorithm.Direct && !direct)
            throw new PlatformNotSupportedException($"Direct convolution needs stride 1 and float or double with AVX-512 (stride {g.StrideH}×{g.StrideW}, {typeof(T).Name}).");
        if (forced != ConvAlgorithm.Auto) return forced;
        return direct ? ConvAlgorithm.Direct : ConvAlgorithm.Im2Col;
    }

    /// <summary>
    /// Upper bound on the elements of one chunk's column matrix (a chunk holds at least one image): 1 MiB of floats,
    /// so that im2col's output is still in the core's L2 cache when the GEMM packs it. Measured on the SmallCnn's
    /// 32→32 3×3 layer at 28×28, batch 64, one core: 49 ms of CPU per forward with 8 MiB chunks, 23–27 ms with 1–2 MiB.
    /// </summary>
    internal const int MaxColumnElements = 1 << 18;

    /// <summary>How many images go into one im2col chunk.</summary>
    private static int ChunkSize(ConvGeometry g)
    {
        long perImage = (long)g.InChannels * g.Taps * g.OutPlane;
        return (int)Math.Clamp(MaxColumnElements / Math.Max(perImage, 1), 1, Math.Max(g.Batch, 1));
    }

    /// <summary>
    /// Runs <paramref name="body"/>(first, last) over the chunks [0, <paramref name="chunks"/>): split over the threads
    /// when there are several chunks (each worker's GEMMs then run single-threaded on L2-resident columns), on the calling
    /// thread otherwise (one chunk's GEMM then uses the threads). A chunk's result is the same either way.
    /// </summary>
    private static void ForChunks(int chunks, ConvGeometry g, Action<int, int> body)
    {
        long work = (long)g.Batch * g.OutChannels * g.OutPlane * g.GroupPatch;
        if (chunks > 1) Partition.For(chunks, work, body);
        else body(0, chunks);
    }

    /// <summary>
    /// <see cref="ForChunks"/> with one column matrix and (for chunks of several images) one staging matrix per worker,
    /// rented from the shared pool: an epoch would otherwise churn the large-object heap. Every element used is written
    /// before it is read, so the rented arrays need no clearing.
    /// </summary>
    private static void ForChunks<T>(int count, int nb, ConvGeometry g, Action<int, int, T[], T[]?> body)
    {
        ForChunks(count, g, (first, last) =>
        {
            var columns = ArrayPool<T>.Shared.Rent(g.InChannels * g.Taps * nb * g.OutPlane);
            var staging = nb > 1 ? ArrayPool<T>.Shared.Rent(g.OutChannels * nb * g.OutPlane) : null;
            try
            {
                body(first, last, columns, staging);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(columns);
                if (staging is not null) ArrayPool<T>.Shared.Return(staging);
            }
        });
    }

    /// <summary>
    /// y = conv(x, w) + bias, then ReLU where <paramref name="relu"/> (the Conv2d+ReLU op). x (N, C, H, W) at
    /// <paramref name="xOffset"/>, w (Cout, C/G, kH, kW) at <paramref name="wOffset"/>, bias (Cout) or null,
    /// y (N, Cout, Hout, Wout) from index 0. The bias and the ReLU are applied as each tile of y is finished, with the
    /// bits of the separate add and ReLU.
    /// </summary>
    public static void Forward<T>(T[] x, int xOffset, T[] w, int wOffset, T[]? bias, int biasOffset, T[] y, ConvGeometry g,
        bool relu = false)
        where T : unmanaged, INumber<T>
    {
        int nb = ChunkSize(g), L = g.OutPlane, patch = g.GroupPatch, outG = g.GroupOutChannels;
        Debug.Assert(y.Length >= g.Batch * g.OutChannels * L);
        if (g.Batch == 0 || L == 0) return;
        if (Choose<T>(g) == ConvAlgorithm.Direct)
        {
            ConvDirect.Forward(x, xOffset, w, wOffset, bias, biasOffset, y, g, relu);
            return;
        }
        ForChunks<T>((g.Batch + nb - 1) / nb, nb, g, (first, last, columns, staging) =>
        {
            for (int chunk = first; chunk < last; chunk++)
            {
                int n0 = chunk * nb, count = Math.Min(nb, g.Batch - n0), ld = count * L;
                Im2Col.Unfold(x, xOffset + n0 * g.InChannels * g.InPlane, count, g, columns);
                // With one image the (Cout, L) product is already the output's layout.
                var target = count == 1 ? y : staging!;
                int targetOffset = count == 1 ? n0 * g.OutChannels * L : 0;
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    // Rows of the product are output channels: the bias (and the ReLU) is the GEMM's per-row epilogue,
                    // applied to each tile as it is finished (the bits of applying them afterwards).
                    Gemm.Multiply(outG, ld, patch,
                        w, wOffset + grp * outG * patch, patch, 1,
                        columns, grp * patch * ld, ld, 1,
                        target, targetOffset + grp * outG * ld, ld, accumulate: false,
                        bias is null && !relu ? default : new GemmEpilogue<T>(bias, biasOffset + grp * outG, biasPerRow: true, relu));
                }
                if (count > 1) Deinterleave(staging!, count, g.OutChannels, L, y, n0 * g.OutChannels * L);
            }
        });
    }

    /// <summary>y[n, c, :] += bias[c] for y (batch, channels, plane) from index 0.</summary>
    public static void AddBias<T>(T[] y, T[] bias, int biasOffset, int batch, int channels, int plane)
        where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < batch * channels; i++)
        {
            var span = y.AsSpan(i * plane, plane);
            TensorPrimitives.Add(span, bias[biasOffset + i % channels], span);
        }
    }

    /// <summary>
    /// dx = ∂⟨conv(x, w), dy⟩/∂x: the transposed convolution of dy (N, Cout, Hout, Wout) at <paramref name="dyOffset"/>
    /// with w, written to dx (N, C, H, W) from index 0 (overwritten).
    /// </summary>
    public static void BackwardInput<T>(T[] dy, int dyOffset, T[] w, int wOffset, T[] dx, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        int nb = ChunkSize(g), L = g.OutPlane, patch = g.GroupPatch, outG = g.GroupOutChannels;
        Debug.Assert(dx.Length >= g.Batch * g.InChannels * g.InPlane);
        if (g.Batch == 0) return;
        if (L == 0 || g.OutChannels == 0)
        {
            dx.AsSpan(0, g.Batch * g.InChannels * g.InPlane).Clear();
            return;
        }
        if (Choose<T>(g) == ConvAlgorithm.Direct)
        {
            ConvDirect.BackwardInput(dy, dyOffset, w, wOffset, dx, g);
            return;
        }
        ForChunks<T>((g.Batch + nb - 1) / nb, nb, g, (first, last, columns, staging) =>
        {
            for (int chunk = first; chunk < last; chunk++)
            {
                int n0 = chunk * nb, count = Math.Min(nb, g.Batch - n0), ld = count * L;
                var source = count == 1 ? dy : staging!;
                int sourceOffset = count == 1 ? dyOffset + n0 * g.OutChannels * L : 0;
                if (count > 1) Interleave(dy, dyOffset + n0 * g.OutChannels * L, count, g.OutChannels, L, staging!);
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    // W_gᵀ is W_g read with swapped strides: no copy.
                    Gemm.Multiply(patch, ld, outG,
                        w, wOffset + grp * outG * patch, 1, patch,
                        source, sourceOffset + grp * outG * ld, ld, 1,
                        columns, grp * patch * ld, ld, accumulate: false);
                }
                Im2Col.Fold(columns, count, g, dx, n0 * g.InChannels * g.InPlane);
            }
        });
    }

    /// <summary>
    /// dw = ∂⟨conv(x, w), dy⟩/∂w for x (N, C, H, W) and dy (N, Cout, Hout, Wout), written to dw (Cout, C/G, kH, kW)
    /// from index 0 (overwritten).
    /// </summary>
    /// <remarks>
    /// The chunks are summed in the fixed runs of <see cref="WeightRuns{T}"/>, so the result does not depend on the thread
    /// count.
    /// </remarks>
    public static void BackwardWeight<T>(T[] x, int xOffset, T[] dy, int dyOffset, T[] dw, ConvGeometry g)
        where T : unmanaged, INumber<T>
    {
        int nb = ChunkSize(g), L = g.OutPlane, patch = g.GroupPatch, outG = g.GroupOutChannels;
        int size = g.OutChannels * patch;
        if (Choose<T>(g) == ConvAlgorithm.Direct)
        {
            ConvDirect.BackwardWeight(x, xOffset, dy, dyOffset, dw, g);
            return;
        }
        if (g.Batch == 0 || L == 0)
        {
            dw.AsSpan(0, size).Clear();
            return;
        }
        int chunks = (g.Batch + nb - 1) / nb;
        WeightRuns<T>.Sum(chunks, size, dw, runs => ForChunks<T>(runs.Count, nb, g, (firstRun, lastRun, columns, staging) =>
        {
            for (int run = firstRun; run < lastRun; run++)
            {
                var (sum, sumOffset) = runs.Target(run);
                var (chunk0, chunk1) = runs.Items(run);
                for (int chunk = chunk0; chunk < chunk1; chunk++)
                {
                    int n0 = chunk * nb, count = Math.Min(nb, g.Batch - n0), ld = count * L;
                    Im2Col.Unfold(x, xOffset + n0 * g.InChannels * g.InPlane, count, g, columns);
                    var source = count == 1 ? dy : staging!;
                    int sourceOffset = count == 1 ? dyOffset + n0 * g.OutChannels * L : 0;
                    if (count > 1) Interleave(dy, dyOffset + n0 * g.OutChannels * L, count, g.OutChannels, L, staging!);
                    for (int grp = 0; grp < g.Groups; grp++)
                    {
                        // Xᵀ is X read with swapped strides.
                        Gemm.Multiply(outG, patch, ld,
                            source, sourceOffset + grp * outG * ld, ld, 1,
                            columns, grp * patch * ld, 1, ld,
                            sum, sumOffset + grp * outG * patch, patch, accumulate: true);
                    }
                }
            }
        }));
    }

    /// <summary>(count, channels, L) at src[offset..] → (channels, count·L) in dst.</summary>
    private static void Interleave<T>(T[] src, int offset, int count, int channels, int L, T[] dst)
    {
        for (int n = 0; n < count; n++)
            for (int c = 0; c < channels; c++)
                src.AsSpan(offset + (n * channels + c) * L, L).CopyTo(dst.AsSpan((c * count + n) * L, L));
    }

    /// <summary>(channels, count·L) in src → (count, channels, L) at dst[offset..].</summary>
    private static void Deinterleave<T>(T[] src, int count, int channels, int L, T[] dst, int offset)
    {
        for (int n = 0; n < count; n++)
            for (int c = 0; c < channels; c++)
                src.AsSpan((c * count + n) * L, L).CopyTo(dst.AsSpan(offset + (n * channels + c) * L, L));
    }
}

/// <summary>How a convolution is computed.</summary>
internal enum ConvAlgorithm
{
    /// <summary>Direct for stride 1 where the CPU has AVX-512, im2col + GEMM otherwise (the default).</summary>
    Auto,
    /// <summary>im2col + the packed GEMM, in L2-sized chunks of the batch.</summary>
    Im2Col,
    /// <summary>The stride-1 kernels of <see cref="ConvDirect"/> on a zero-padded copy of each image.</summary>
    Direct,
}
