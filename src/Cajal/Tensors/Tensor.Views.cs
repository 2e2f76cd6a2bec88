namespace Cajal;

public sealed partial class Tensor
{
    /// <summary>A tensor sharing this one's storage with other dims, strides and offset.</summary>
    private Tensor ViewOf(int[] dims, int[] strides, int offset) => new(Storage, dims, strides, offset, DType, Version);

    /// <summary>Records a view op whose backward scatters the gradient into zeros through the same view.</summary>
    private Tensor RecordView(Tensor view, string name, Func<Tensor, Tensor> sameView) =>
        Autograd.Record(view, name, [this], g =>
        {
            var z = Zeros(Shape.ToArray(), DType);
            sameView(z).CopyRaw(g);
            return [z];
        });

    /// <summary>This tensor if it is contiguous, else a contiguous copy.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Clone();

    /// <summary>A copy with its own contiguous storage; gradients flow back to this tensor.</summary>
    public Tensor Clone()
    {
        var result = UninitializedLike(this);
        result.CopyRaw(this);
        return Autograd.Record(result, "Clone", [this], g => [g]);
    }

    /// <summary>A tensor sharing this one's storage that is cut off from the graph (never requires grad).</summary>
    public Tensor Detach() => ViewOf(_dims, StrideArray, Offset);

    /// <summary>A copy converted to <paramref name="dtype"/> (this tensor itself when the dtype already matches).</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var src = Contiguous();
        var result = Uninitialized((int[])_dims.Clone(), dtype);
        switch (DType, dtype)
        {
            case (DType.Float32, DType.Float64): Kernels.Copy.Convert<float, double>(src.Span<float>(), result.Span<double>()); break;
            case (DType.Float64, DType.Float32): Kernels.Copy.Convert<double, float>(src.Span<double>(), result.Span<float>()); break;
            case (DType.Int64, DType.Float32): Kernels.Copy.Convert<long, float>(src.Span<long>(), result.Span<float>()); break;
            case (DType.Int64, DType.Float64): Kernels.Copy.Convert<long, double>(src.Span<long>(), result.Span<double>()); break;
            case (DType.Float32, DType.Int64): Kernels.Copy.Convert<float, long>(src.Span<float>(), result.Span<long>()); break;
            case (DType.Float64, DType.Int64): Kernels.Copy.Convert<double, long>(src.Span<double>(), result.Span<long>()); break;
        }
        if (!dtype.IsFloatingPoint()) return result;
        var from = DType;
        return Autograd.Record(result, "To", [this], g => [g.To(from)]);
    }

    private int[] InferShape(int[] shape, string op)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1 in {Shape.Format(shape)}.");
                infer = i;
            }
            else if (dims[i] < 0) throw new ArgumentException($"{op}: invalid dimension {dims[i]} in {Shape.Format(shape)}.");
            else known *= dims[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Count % known != 0)
                throw new ArgumentException($"{op}: shape {Shape.Format(shape)} is invalid for input of shape {Shape} ({Count} elements).");
            dims[infer] = (int)(Count / known);
        }
        else if (known != Count)
            throw new ArgumentException($"{op}: shape {Shape.Format(shape)} is invalid for input of shape {Shape} ({Count} elements).");
        return dims;
    }

    /// <summary>The same elements with another shape (one size may be −1); a view when this tensor is contiguous, else a copy.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var dims = InferShape(shape, "Reshape");
        return IsContiguous ? ViewUnchecked(dims, "Reshape") : Contiguous().ViewUnchecked(dims, "Reshape");
    }

    /// <summary>A view with another shape (one size may be −1); the tensor must be contiguous (else use <see cref="Reshape"/>).</summary>
    public Tensor View(params int[] shape)
    {
        var dims = InferShape(shape, "View");
        if (!IsContiguous)
            throw new ArgumentException($"View: the input of shape {Shape} is not contiguous; use Reshape (which copies) or Contiguous() first.");
        return ViewUnchecked(dims, "View");
    }

    private Tensor ViewUnchecked(int[] dims, string name)
    {
        var inShape = Shape.ToArray();
        var view = ViewOf(dims, Shape.ContiguousStrides(dims), Offset);
        return Autograd.Record(view, name, [this], g => [g.Reshape(inShape)]);
    }

    /// <summary>A 1-D view (or copy) of all elements.</summary>
    public Tensor Flatten() => Reshape(-1);

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = Shape.NormalizeDim(dim0, Rank, "Transpose"), b = Shape.NormalizeDim(dim1, Rank, "Transpose");
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++) perm[i] = i;
        if (Rank > 0) (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>The tensor with its dimensions reversed: the matrix transpose for 2-D tensors.</summary>
    public Tensor T
    {
        get
        {
            var perm = new int[Rank];
            for (int i = 0; i < Rank; i++) perm[i] = Rank - 1 - i;
            return Permute(perm);
        }
    }

    /// <summary>Reorders the dimensions (a view): result dim i is input dim <c>dims[i]</c>.</summary>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != Rank) throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of rank {Rank}.");
        var seen = new bool[Rank];
        var newDims = new int[Rank];
        var newStrides = new int[Rank];
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shape.NormalizeDim(dims[i], Rank, "Permute");
            if (seen[d]) throw new ArgumentException($"Permute: dimension {d} repeats in {Shape.Format(dims)}.");
            seen[d] = true;
            perm[i] = d;
            newDims[i] = _dims[d];
            newStrides[i] = Stride(d);
        }
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[perm[i]] = i;
        return Autograd.Record(ViewOf(newDims, newStrides, Offset), "Permute", [this], g => [g.Permute(inverse)]);
    }

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze()
    {
        var keep = Enumerable.Range(0, Rank).Where(i => _dims[i] != 1).ToArray();
        return SqueezeTo(keep);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (else returns the same shape, as PyTorch).</summary>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return SqueezeTo([]);
        int d = Shape.NormalizeDim(dim, Rank, "Squeeze");
        var keep = Enumerable.Range(0, Rank).Where(i => i != d || _dims[i] != 1).ToArray();
        return SqueezeTo(keep);
    }

    private Tensor SqueezeTo(int[] keep)
    {
        var inShape = Shape.ToArray();
        var view = ViewOf([.. keep.Select(i => _dims[i])], [.. keep.Select(i => Stride(i))], Offset);
        return Autograd.Record(view, "Squeeze", [this], g => [g.Reshape(inShape)]);
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (in [−rank−1, rank]).</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shape.NormalizeDim(dim, Rank + 1, "Unsqueeze");
        var dims = _dims.ToList();
        var strides = StrideArray.ToList();
        dims.Insert(d, 1);
        strides.Insert(d, d < Rank ? _dims[d] * Stride(d) : 1);
        var inShape = Shape.ToArray();
        return Autograd.Record(ViewOf([.. dims], [.. strides], Offset), "Unsqueeze", [this], g => [g.Reshape(inShape)]);
    }

    /// <summary>A view repeating size-1 dimensions (stride 0) to <paramref name="sizes"/>; −1 keeps a size, new dims may lead.</summary>
    public Tensor Expand(params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length < Rank)
            throw new ArgumentException($"Expand: cannot expand shape {Shape} to {Shape.Format(sizes)}: fewer dimensions.");
        int lead = sizes.Length - Rank;
        var dims = new int[sizes.Length];
        var strides = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            int want = sizes[i];
            if (i < lead)
            {
                if (want < 0) throw new ArgumentException($"Expand: size −1 is not allowed for the new leading dimension {i} in {Shape.Format(sizes)}.");
                dims[i] = want;
                strides[i] = 0;
                continue;
            }
            int have = _dims[i - lead];
            if (want == -1 || want == have)
            {
                dims[i] = have;
                strides[i] = Stride(i - lead);
            }
            else if (have == 1 && want >= 0)
            {
                dims[i] = want;
                strides[i] = 0;
            }
            else throw new ArgumentException($"Expand: cannot expand shape {Shape} to {Shape.Format(sizes)}: dimension {i} is {have}, not 1.");
        }
        var inShape = Shape.ToArray();
        return Autograd.Record(ViewOf(dims, strides, Offset), "Expand", [this], g => [g.SumTo(inShape)]);
    }

    /// <summary>Expands to the shape of <paramref name="other"/>.</summary>
    public Tensor ExpandAs(Tensor other) => Expand(other.Shape.ToArray());

    /// <summary>The view of <paramref name="length"/> elements along <paramref name="dim"/> starting at <paramref name="start"/>.</summary>
    public Tensor Narrow(int dim, int start, int length) => Slice(dim, start, start + length, 1, "Narrow");

    /// <summary>Elements start, start + step, … before end along <paramref name="dim"/> (a view); negative start/end count from the end.</summary>
    public Tensor Slice(int dim, int start, int end, int step = 1) => Slice(dim, start, end, step, "Slice");

    private Tensor Slice(int dim, int start, int end, int step, string op)
    {
        int d = Shape.NormalizeDim(dim, Rank, op);
        if (Rank == 0) throw new ArgumentException($"{op}: cannot slice a 0-dimensional tensor.");
        if (step <= 0) throw new ArgumentException($"{op}: step must be positive, got {step}.");
        int size = _dims[d];
        if (op == "Narrow")
        {
            if (start < 0 || end > size || end < start)
                throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: start {start} and length {end - start} are out of range for dimension {d} of size {size} (shape {Shape}).");
        }
        else
        {
            if (start < 0) start += size;
            if (end < 0) end += size;
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, start, size);
        }
        var dims = (int[])_dims.Clone();
        var strides = (int[])StrideArray.Clone();
        dims[d] = (end - start + step - 1) / step;
        strides[d] = Stride(d) * step;
        int offset = Offset + start * Stride(d);
        int s0 = start;
        return RecordView(ViewOf(dims, strides, offset), op, z => z.Slice(d, s0, end, step));
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, with that dimension removed (a view).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = Shape.NormalizeDim(dim, Rank, "Select");
        if (Rank == 0) throw new ArgumentException("Select: cannot select from a 0-dimensional tensor.");
        int size = _dims[d];
        if (index < -size || index >= size)
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is out of range for dimension {d} of size {size} (shape {Shape}).");
        if (index < 0) index += size;
        var dims = _dims.Where((_, i) => i != d).ToArray();
        var strides = StrideArray.Where((_, i) => i != d).ToArray();
        int idx = index;
        return RecordView(ViewOf(dims, strides, Offset + index * Stride(d)), "Select", z => z.Select(d, idx));
    }

    /// <summary>Selects along the first dimension: <c>x[i]</c> is <c>x.Select(0, i)</c>.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[int index] => Select(0, index);

    /// <summary>Selects along successive leading dimensions: <c>x[i, j]</c> is <c>x.Select(0, i).Select(0, j)</c>.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[int index0, int index1] => Select(0, index0).Select(0, index1);

    /// <summary>
    /// Gathers along dimension <paramref name="dim"/> at the int64 <paramref name="index"/> (any shape):
    /// the result's shape replaces that dimension with the index's shape. Negative indices count from the end.
    /// </summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = Shape.NormalizeDim(dim, Rank, "IndexSelect");
        if (Rank == 0) throw new ArgumentException("IndexSelect: cannot index a 0-dimensional tensor.");
        if (index.DType != DType.Int64) throw new ArgumentException($"IndexSelect: indices must be Int64, not {index.DType}.");
        int size = _dims[d];
        var idx = index.ToArray<long>();
        for (int i = 0; i < idx.Length; i++)
        {
            if (idx[i] < -size || idx[i] >= size)
                throw new ArgumentOutOfRangeException(nameof(index), $"IndexSelect: index {idx[i]} at position {i} is out of range for dimension {d} of size {size} (shape {Shape}).");
            if (idx[i] < 0) idx[i] += size;
        }
        var outDims = new List<int>(_dims[..d]);
        outDims.AddRange(index.Dims);
        outDims.AddRange(_dims[(d + 1)..]);
        var result = Uninitialized([.. outDims], DType);
        // Copy slice by slice: result viewed as (…, len(idx), …) along d.
        var flatView = result.ViewOf([.. _dims[..d], idx.Length, .. _dims[(d + 1)..]],
            Shape.ContiguousStrides([.. _dims[..d], idx.Length, .. _dims[(d + 1)..]]), 0);
        for (int i = 0; i < idx.Length; i++)
            flatView.SelectRaw(d, i).CopyRaw(SelectRaw(d, (int)idx[i]));
        var inShape = Shape.ToArray();
        return Autograd.Record(result, "IndexSelect", [this], g =>
        {
            var z = Zeros(inShape, DType);
            var gFlat = g.Contiguous().Reshape([.. inShape[..d], idx.Length, .. inShape[(d + 1)..]]);
            for (int i = 0; i < idx.Length; i++)
            {
                var dst = z.SelectRaw(d, (int)idx[i]);
                dst.CopyRaw(dst + gFlat.SelectRaw(d, i));   // repeated indices accumulate
            }
            return [z];
        });
    }

    /// <summary><c>x[indices]</c>: gathers rows of the first dimension at int64 indices of any shape.</summary>
    public Tensor Index(Tensor indices) => IndexSelect(0, indices);

    private Tensor SelectRaw(int d, int index)
    {
        var dims = _dims.Where((_, i) => i != d).ToArray();
        var strides = StrideArray.Where((_, i) => i != d).ToArray();
        return ViewOf(dims, strides, Offset + index * Stride(d));
    }

    /// <summary>Joins tensors of equal shape except along <paramref name="dim"/>.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Cat: expected at least one tensor.");
        var first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException("Cat: zero-dimensional tensors cannot be concatenated; use Stack.");
        int d = Shape.NormalizeDim(dim, first.Rank, "Cat");
        int total = 0;
        for (int k = 0; k < tensors.Count; k++)
        {
            var t = tensors[k];
            if (t.DType != first.DType) throw new ArgumentException($"Cat: tensor {k} has dtype {t.DType}, tensor 0 has {first.DType}.");
            if (t.Rank != first.Rank) throw new ArgumentException($"Cat: tensor {k} has shape {t.Shape}, tensor 0 has {first.Shape}: ranks differ.");
            for (int i = 0; i < first.Rank; i++)
                if (i != d && t._dims[i] != first._dims[i])
                    throw new ArgumentException($"Cat: tensor {k} has shape {t.Shape}, tensor 0 has {first.Shape}: sizes must match except in dimension {d}.");
            total += t._dims[d];
        }
        var dims = (int[])first._dims.Clone();
        dims[d] = total;
        var result = Uninitialized(dims, first.DType);
        var offsets = new int[tensors.Count];
        int offset = 0;
        for (int k = 0; k < tensors.Count; k++)
        {
            offsets[k] = offset;
            result.Slice(d, offset, offset + tensors[k]._dims[d], 1, "Narrow").CopyRaw(tensors[k]);
            offset += tensors[k]._dims[d];
        }
        var sizes = tensors.Select(t => t._dims[d]).ToArray();
        return Autograd.Record(result, "Cat", [.. tensors], g =>
        {
            var grads = new Tensor?[sizes.Length];
            for (int k = 0; k < sizes.Length; k++) grads[k] = g.Narrow(d, offsets[k], sizes[k]);
            return grads;
        });
    }

    /// <summary>Stacks tensors of equal shape along a new dimension <paramref name="dim"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack: expected at least one tensor.");
        for (int k = 1; k < tensors.Count; k++)
            if (tensors[k].Shape != tensors[0].Shape)
                throw new ArgumentException($"Stack: tensor {k} has shape {tensors[k].Shape}, tensor 0 has {tensors[0].Shape}; all must match.");
        int d = Shape.NormalizeDim(dim, tensors[0].Rank + 1, "Stack");
        return Cat(tensors.Select(t => t.Unsqueeze(d)).ToList(), d);
    }

    /// <summary>Sums a (broadcast) gradient back to <paramref name="shape"/>: the backward of broadcasting.</summary>
    internal Tensor SumTo(int[] shape)
    {
        if (Shape.AsSpan().SequenceEqual(shape)) return this;
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && _dims[i] != 1)) dims.Add(i);
        var summed = dims.Count == 0 ? this : Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape) into this tensor's elements, without recording.</summary>
    internal void CopyRaw(Tensor source)
    {
        var src = source.DType == DType ? source : source.To(DType);
        if (src.Shape != Shape) src = src.Detach().Expand(Shape.ToArray());
        switch (DType)
        {
            case DType.Float32: Kernels.Copy.Strided(src.Array<float>(), src.Offset, src.StrideArray, Array<float>(), Offset, StrideArray, _dims); break;
            case DType.Float64: Kernels.Copy.Strided(src.Array<double>(), src.Offset, src.StrideArray, Array<double>(), Offset, StrideArray, _dims); break;
            default: Kernels.Copy.Strided(src.Array<long>(), src.Offset, src.StrideArray, Array<long>(), Offset, StrideArray, _dims); break;
        }
    }
}
