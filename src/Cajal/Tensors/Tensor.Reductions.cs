using Cajal.Kernels;

namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>Normalised, de-duplicated dims; null or empty means all dims.</summary>
    private int[] ReductionDims(int[]? dims, string op)
    {
        if (dims is null || dims.Length == 0) return Enumerable.Range(0, Rank).ToArray();
        var set = new SortedSet<int>();
        foreach (int d in dims)
            if (!set.Add(Shape.NormalizeDim(d, Rank, op)))
                throw new ArgumentException($"{op}: dimension {d} appears more than once in {Shape.Format(dims)}.");
        return Rank == 0 ? [] : [.. set];
    }

    private int[] ReducedShape(int[] dims, bool keepDim)
    {
        var result = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (System.Array.IndexOf(dims, i) < 0) result.Add(_dims[i]);
            else if (keepDim) result.Add(1);
        }
        return [.. result];
    }

    /// <summary>(outer, length, inner) of a contiguous tensor around dimension <paramref name="dim"/>.</summary>
    private (int Outer, int Length, int Inner) AxisSplit(int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= _dims[i];
        for (int i = dim + 1; i < Rank; i++) inner *= _dims[i];
        return (outer, _dims[dim], inner);
    }

    /// <summary>Sums over <paramref name="dims"/> keeping them as size 1; no recording.</summary>
    /// <remarks>Runs of adjacent reduced dims are summed as one axis, so a full reduction is a single pass.</remarks>
    private Tensor SumForward(int[] dims)
    {
        var current = Contiguous();
        var sorted = dims.OrderByDescending(d => d).ToList();
        int k = 0;
        while (k < sorted.Count)
        {
            // The run sorted[k] = hi, hi − 1, …, lo of consecutive dims.
            int hi = sorted[k], lo = hi;
            while (k + 1 < sorted.Count && sorted[k + 1] == lo - 1) { lo--; k++; }
            k++;
            int outer = 1, length = 1, inner = 1;
            for (int i = 0; i < lo; i++) outer *= current._dims[i];
            for (int i = lo; i <= hi; i++) length *= current._dims[i];
            for (int i = hi + 1; i < current.Rank; i++) inner *= current._dims[i];
            var outDims = (int[])current._dims.Clone();
            for (int i = lo; i <= hi; i++) outDims[i] = 1;
            var next = Empty(outDims, DType);
            switch (DType)
            {
                case DType.Float32: Reduce.SumAxis(current.Span<float>(), outer, length, inner, next.Span<float>()); break;
                case DType.Float64: Reduce.SumAxis(current.Span<double>(), outer, length, inner, next.Span<double>()); break;
                default: Reduce.SumAxis(current.Span<long>(), outer, length, inner, next.Span<long>()); break;
            }
            current = next;
        }
        if (!ReferenceEquals(current, this)) return current;
        var copy = EmptyLike(this);
        copy.CopyRaw(this);
        return copy;
    }

    /// <summary>The sum of all elements (a 0-dimensional tensor).</summary>
    public Tensor Sum() => Sum(null, false);

    /// <summary>The sum over dimension <paramref name="dim"/>.</summary>
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>The sum over <paramref name="dims"/> (all when null); reduced dims are kept as size 1 when <paramref name="keepDim"/>.</summary>
    public Tensor Sum(int[]? dims, bool keepDim = false)
    {
        if (dims is null && Count > 0 && IsContiguous) return SumAll(keepDim);
        var d = ReductionDims(dims, "Sum");
        var inShape = Shape.ToArray();
        var kept = ReducedShape(d, keepDim: true);
        var output = SumForward(d).ViewOf(ReducedShape(d, keepDim), Shape.ContiguousStrides(ReducedShape(d, keepDim)), 0);
        // d(Σx)/dx = 1: the gradient is broadcast back over the summed dims.
        return Autograd.Record(output, "Sum", [this], g => [g.Reshape(kept).Expand(inShape)]);
    }

    /// <summary>
    /// The sum of every element of a contiguous, non-empty tensor: the single pass SumForward makes for a full reduction,
    /// without its bookkeeping (a loss is usually such a sum, once per training step).
    /// </summary>
    private Tensor SumAll(bool keepDim)
    {
        var kept = new int[Rank];
        System.Array.Fill(kept, 1);
        var output = Uninitialized(keepDim ? (int[])kept.Clone() : [], DType);
        switch (DType)
        {
            case DType.Float32: Reduce.SumAxis(Span<float>(), 1, Count, 1, output.Span<float>()); break;
            case DType.Float64: Reduce.SumAxis(Span<double>(), 1, Count, 1, output.Span<double>()); break;
            default: Reduce.SumAxis(Span<long>(), 1, Count, 1, output.Span<long>()); break;
        }
        var inShape = (int[])_dims.Clone();
        return Autograd.Record(output, "Sum", [this], g => [g.Reshape(kept).Expand(inShape)]);
    }

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Mean(null, false);

    /// <summary>The mean over dimension <paramref name="dim"/>.</summary>
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>The mean over <paramref name="dims"/> (all when null).</summary>
    public Tensor Mean(int[]? dims, bool keepDim = false)
    {
        RequireFloat("Mean");
        var d = ReductionDims(dims, "Mean");
        int n = 1;
        foreach (int i in d) n *= _dims[i];
        return Sum(d, keepDim) / n;
    }

    /// <summary>The variance over <paramref name="dims"/> (all when null) with Bessel's <paramref name="correction"/> (1 = unbiased, as PyTorch).</summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false)
    {
        RequireFloat("Var");
        var d = ReductionDims(dims, "Var");
        int n = 1;
        foreach (int i in d) n *= _dims[i];
        var centered = this - Mean(d, keepDim: true);
        return (centered * centered).Sum(d, keepDim) / Math.Max(n - correction, 0);
    }

    /// <summary>The variance over one dimension.</summary>
    public Tensor Var(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim);

    /// <summary>The standard deviation: the square root of <see cref="Var(int[], int, bool)"/>.</summary>
    public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false) => Var(dims, correction, keepDim).Sqrt();

    /// <summary>The standard deviation over one dimension.</summary>
    public Tensor Std(int dim, int correction = 1, bool keepDim = false) => Var([dim], correction, keepDim).Sqrt();

    /// <summary>log Σ exp(x) over <paramref name="dims"/>, computed stably by subtracting the maximum first.</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        RequireFloat("LogSumExp");
        var d = ReductionDims(dims, "LogSumExp");
        Tensor m;
        using (Autograd.NoGrad())
        {
            m = this;
            foreach (int i in d.OrderByDescending(i => i)) m = m.Max(i, keepDim: true).Values;
            // An all −∞ (or +∞) slice has no finite shift; use 0 there so the result is ±∞, not NaN.
            m = Where(m.Abs().Eq(double.PositiveInfinity), ScalarLike(0), m);
        }
        var result = (this - m).Exp().Sum(d, keepDim: true).Log() + m;
        return keepDim ? result : result.Reshape(ReducedShape(d, keepDim: false));
    }

    /// <summary>log Σ exp(x) over one dimension.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>The largest element (a 0-dimensional tensor); tied maxima share the gradient equally, as PyTorch.</summary>
    public Tensor Max() => ExtremeAll(max: true);

    /// <summary>The smallest element; tied minima share the gradient equally.</summary>
    public Tensor Min() => ExtremeAll(max: false);

    private Tensor ExtremeAll(bool max)
    {
        string op = max ? "Max" : "Min";
        if (Count == 0) throw new ArgumentException($"{op}: the input is empty; a reduction over all elements needs at least one.");
        var flat = Reshape(-1);
        Tensor output;
        using (Autograd.NoGrad()) output = flat.Extreme(0, false, max).Values;
        var x = this;
        return Autograd.Record(output.Detach(), op, [x], g =>
        {
            var mask = x.Eq(output);
            return [g * mask / mask.Sum()];
        });
    }

    /// <summary>The largest values along <paramref name="dim"/> and the index of the first of each.</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: true);

    /// <summary>The smallest values along <paramref name="dim"/> and the index of the first of each.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: false);

    /// <summary>The index of the largest element along <paramref name="dim"/> (int64), or of the flattened tensor when null.</summary>
    public Tensor ArgMax(int? dim = null, bool keepDim = false) =>
        dim is int d ? Max(d, keepDim).Indices : Reshape(-1).Max(0).Indices;

    /// <summary>The index of the smallest element along <paramref name="dim"/> (int64), or of the flattened tensor when null.</summary>
    public Tensor ArgMin(int? dim = null, bool keepDim = false) =>
        dim is int d ? Min(d, keepDim).Indices : Reshape(-1).Min(0).Indices;

    private (Tensor Values, Tensor Indices) Extreme(int dim, bool keepDim, bool max)
    {
        string op = max ? "Max" : "Min";
        var x = Rank == 0 ? Reshape(1) : this;
        int d = Shape.NormalizeDim(dim, x.Rank, op);
        if (x._dims[d] == 0) throw new ArgumentException($"{op}: dimension {d} of shape {Shape} is empty.");
        var src = x.Contiguous();
        var (outer, length, inner) = src.AxisSplit(d);
        var keptDims = (int[])src._dims.Clone();
        keptDims[d] = 1;
        var values = Empty(keptDims, DType);
        var indices = Empty(keptDims, DType.Int64);
        var idx = indices.Span<long>();
        switch (DType)
        {
            case DType.Float32: Reduce.ExtremeAxis(src.Span<float>(), outer, length, inner, values.Span<float>(), idx, max); break;
            case DType.Float64: Reduce.ExtremeAxis(src.Span<double>(), outer, length, inner, values.Span<double>(), idx, max); break;
            default: Reduce.ExtremeAxis(src.Span<long>(), outer, length, inner, values.Span<long>(), idx, max); break;
        }
        var outDims = Rank == 0 ? [] : x.ReducedShape([d], keepDim);
        var valuesOut = values.ViewOf(outDims, Shape.ContiguousStrides(outDims), 0);
        var indicesOut = indices.ViewOf(outDims, Shape.ContiguousStrides(outDims), 0);
        var inShape = Shape.ToArray();
        var xDims = x._dims;
        valuesOut = Autograd.Record(valuesOut, op, [this], g =>
        {
            // Only the chosen element of each slice receives the gradient.
            var z = Zeros(xDims, DType);
            var gc = g.Contiguous();
            switch (DType)
            {
                case DType.Float32: Scatter.AddAxis(gc.Span<float>(), indices.Span<long>(), outer, length, inner, z.Span<float>()); break;
                default: Scatter.AddAxis(gc.Span<double>(), indices.Span<long>(), outer, length, inner, z.Span<double>()); break;
            }
            return [z.Reshape(inShape)];
        });
        return (valuesOut, indicesOut);
    }
}
