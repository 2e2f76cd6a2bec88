using System.Numerics;
using Cajal.Kernels;

namespace Cajal;

public sealed partial class Tensor
{
    // ---------------------------------------------------------------- forward drivers (no recording)

    /// <summary>Strides of this tensor as seen from a broadcast shape <paramref name="outDims"/> (0 where broadcast).</summary>
    private int[] BroadcastStrides(int[] outDims)
    {
        int lead = outDims.Length - Rank;
        var s = new int[outDims.Length];
        for (int i = 0; i < Rank; i++) s[lead + i] = _dims[i] == 1 && outDims[lead + i] != 1 ? 0 : Stride(i);
        return s;
    }

    private static void CheckSameDType(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ: {a.DType} {a.Shape} and {b.DType} {b.Shape}; convert one with To(DType).");
    }

    private void RequireFloat(string op)
    {
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point tensor, got {DType} {Shape}.");
    }

    /// <summary>out = a op b with broadcasting; no recording.</summary>
    internal static Tensor BinaryForward(BinaryOp op, Tensor a, Tensor b, string name)
    {
        CheckSameDType(a, b, name);
        var dims = Shape.Broadcast(a._dims, b._dims, name);
        if (op == BinaryOp.Pow && a.DType == DType.Int64) throw new ArgumentException($"{name}: not supported for Int64 tensors.");
        var output = Uninitialized(dims, a.DType);
        switch (a.DType)
        {
            case DType.Float32: Run<float>(); break;
            case DType.Float64: Run<double>(); break;
            default: Run<long>(); break;
        }
        return output;

        void Run<T>() where T : unmanaged, System.Numerics.INumber<T>
        {
            // Contiguous operands that are not broadcast, or broadcast from one element, need no index walk: the common
            // case, whose walker set-up would cost more than the arithmetic on small tensors.
            int count = output.Count;
            if (a.IsContiguous && b.IsContiguous)
            {
                if (count >= Partition.MinParallelWork && (a.Count == count || a.Count == 1) && (b.Count == count || b.Count == 1))
                {
                    // Large: slices on the worker threads (every binary op is element by element exact, see ForSlices).
                    BinarySlices<T>(op, a, b, output);
                    return;
                }
                if (a.Count == count && b.Count == count) { Elementwise.Binary(op, a.Span<T>(), b.Span<T>(), output.Span<T>()); return; }
                if (a.Count == count && b.Count == 1) { Elementwise.Binary(op, a.Span<T>(), b.Array<T>()[b.Offset], output.Span<T>()); return; }
                if (a.Count == 1 && b.Count == count) { Elementwise.Binary(op, a.Array<T>()[a.Offset], b.Span<T>(), output.Span<T>()); return; }
            }
            Elementwise.BinaryStrided(op, a.Array<T>(), a.Offset, a.BroadcastStrides(dims), b.Array<T>(), b.Offset, b.BroadcastStrides(dims), output.Array<T>(), dims);
        }
    }

    /// <summary>output = a op b in slices on the worker threads (a method of its own, so that only large tensors allocate the closure).</summary>
    private static void BinarySlices<T>(BinaryOp op, Tensor a, Tensor b, Tensor output) where T : unmanaged, INumber<T> =>
        Partition.ForSlices(output.Count, output.Count, (s, e) => BinarySlice<T>(op, a, b, output, s, e));

    /// <summary>output[s..e] = a op b for contiguous a and b, each of output's count or of one element.</summary>
    private static void BinarySlice<T>(BinaryOp op, Tensor a, Tensor b, Tensor output, int s, int e) where T : unmanaged, INumber<T>
    {
        var d = output.Span<T>()[s..e];
        if (a.Count == 1) Elementwise.Binary(op, a.Array<T>()[a.Offset], b.Span<T>()[s..e], d);
        else if (b.Count == 1) Elementwise.Binary(op, a.Span<T>()[s..e], b.Array<T>()[b.Offset], d);
        else Elementwise.Binary(op, a.Span<T>()[s..e], b.Span<T>()[s..e], d);
    }

    /// <summary>out = op(x) element-wise; no recording.</summary>
    private Tensor UnaryForward(UnaryOp op, string name)
    {
        if (op == UnaryOp.Neg && DType == DType.Int64)
        {
            var r = UninitializedLike(this);
            Elementwise.NegateInteger(Contiguous().Span<long>(), r.Span<long>());
            return r;
        }
        RequireFloat(name);
        var src = Contiguous();
        var output = UninitializedLike(this);
        if (Count >= Partition.MinParallelWork && Elementwise.SliceSafe(op))
            Slices(op, src, output);
        else
            Unary(op, src, output, 0, Count);
        return output;

        // In a method of its own, so that only large tensors allocate the closure.
        static void Slices(UnaryOp op, Tensor src, Tensor output) =>
            Partition.ForSlices(src.Count, src.Count, (s, e) => Unary(op, src, output, s, e));

        static void Unary(UnaryOp op, Tensor src, Tensor output, int s, int e)
        {
            if (src.DType == DType.Float32) Elementwise.Unary(op, src.Span<float>()[s..e], output.Span<float>()[s..e]);
            else Elementwise.Unary(op, src.Span<double>()[s..e], output.Span<double>()[s..e]);
        }
    }

    /// <summary>A 0-dimensional tensor of this tensor's dtype, for scalar operands.</summary>
    private Tensor ScalarLike(double value) => DType switch
    {
        DType.Float32 => new Tensor(new[] { (float)value }, [], DType),
        DType.Float64 => new Tensor(new[] { value }, [], DType),
        _ => new Tensor(new[] { (long)value }, [], DType),
    };

    // ---------------------------------------------------------------- arithmetic

    /// <summary>this + other, broadcasting.</summary>
    public Tensor Add(Tensor other)
    {
        var output = BinaryForward(BinaryOp.Add, this, other, "Add");
        int[] sa = Shape.ToArray(), sb = other.Shape.ToArray();
        // d(a+b)/da = 1, d(a+b)/db = 1; broadcast dims are summed back.
        return Autograd.Record(output, "Add", [this, other], g => [g.SumTo(sa), g.SumTo(sb)]);
    }

    /// <summary>this − other, broadcasting.</summary>
    public Tensor Sub(Tensor other)
    {
        var output = BinaryForward(BinaryOp.Sub, this, other, "Sub");
        int[] sa = Shape.ToArray(), sb = other.Shape.ToArray();
        return Autograd.Record(output, "Sub", [this, other], g => [g.SumTo(sa), g.Neg().SumTo(sb)]);
    }

    /// <summary>this · other element-wise, broadcasting.</summary>
    public Tensor Mul(Tensor other)
    {
        var output = BinaryForward(BinaryOp.Mul, this, other, "Mul");
        var a = this;
        // d(ab)/da = b, d(ab)/db = a
        return Autograd.Record(output, "Mul", [a, other], g =>
            [a.RequiresGrad ? (g * other).SumTo(a._dims) : null, other.RequiresGrad ? (g * a).SumTo(other._dims) : null]);
    }

    /// <summary>this / other element-wise, broadcasting.</summary>
    public Tensor Div(Tensor other)
    {
        if (DType == DType.Int64 || other.DType == DType.Int64)
            throw new ArgumentException($"Div: true division of Int64 tensors {Shape} and {other.Shape} is not defined here; convert with To(DType.Float32) first.");
        var output = BinaryForward(BinaryOp.Div, this, other, "Div");
        var a = this;
        // d(a/b)/da = 1/b, d(a/b)/db = −a/b²
        return Autograd.Record(output, "Div", [a, other], g =>
            [a.RequiresGrad ? (g / other).SumTo(a._dims) : null,
             other.RequiresGrad ? (-g * a / (other * other)).SumTo(other._dims) : null]);
    }

    /// <summary>this raised to the power <paramref name="exponent"/> element-wise, broadcasting.</summary>
    public Tensor Pow(Tensor exponent)
    {
        RequireFloat("Pow");
        var output = BinaryForward(BinaryOp.Pow, this, exponent, "Pow");
        var a = this;
        return Autograd.Record(output, "Pow", [a, exponent], g =>
        {
            // d(aᵇ)/da = b·aᵇ⁻¹ (0 where b = 0); d(aᵇ)/db = aᵇ·ln a (0 where a = 0 and b ≥ 0)
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad)
                ga = Where(exponent.Eq(0.0), a.ScalarLike(0), g * (exponent * a.Pow(exponent - 1.0))).SumTo(a._dims);
            if (exponent.RequiresGrad)
                gb = (g * Where(a.Eq(0.0) * exponent.Ge(0.0), a.ScalarLike(0), output * a.Log())).SumTo(exponent._dims);
            return [ga, gb];
        });
    }

    /// <summary>this raised to a constant power element-wise.</summary>
    public Tensor Pow(double exponent)
    {
        RequireFloat("Pow");
        // A square is x·x, as PyTorch's CPU kernel computes it (correctly rounded; no pow call per element).
        var output = exponent == 2.0
            ? BinaryForward(BinaryOp.Mul, this, this, "Pow")
            : BinaryForward(BinaryOp.Pow, this, ScalarLike(exponent), "Pow");
        var a = this;
        // d(xᵖ)/dx = p·xᵖ⁻¹, and exactly 0 when p = 0 (PyTorch's rule); for p = 2, xᵖ⁻¹ = x needs no pow.
        return Autograd.Record(output, "Pow", [a], g =>
            [exponent == 0 ? ZerosLike(a) : exponent == 2.0 ? g * (a * exponent) : g * (a.Pow(exponent - 1.0) * exponent)]);
    }

    /// <summary>−this.</summary>
    public Tensor Neg()
    {
        var output = UnaryForward(UnaryOp.Neg, "Neg");
        return Autograd.Record(output, "Neg", [this], g => [g.Neg()]);
    }

    /// <summary>eˣ element-wise.</summary>
    public Tensor Exp()
    {
        var output = UnaryForward(UnaryOp.Exp, "Exp");
        return Autograd.Record(output, "Exp", [this], g => [g * output]);   // d eˣ = eˣ
    }

    /// <summary>Natural logarithm element-wise (log 0 = −∞).</summary>
    public Tensor Log()
    {
        var output = UnaryForward(UnaryOp.Log, "Log");
        var x = this;
        return Autograd.Record(output, "Log", [x], g => [g / x]);          // d ln x = 1/x
    }

    /// <summary>Square root element-wise.</summary>
    public Tensor Sqrt()
    {
        var output = UnaryForward(UnaryOp.Sqrt, "Sqrt");
        return Autograd.Record(output, "Sqrt", [this], g => [g / (output * 2.0)]);   // d √x = 1/(2√x)
    }

    /// <summary>Absolute value element-wise; the gradient at 0 is 0.</summary>
    public Tensor Abs()
    {
        var output = UnaryForward(UnaryOp.Abs, "Abs");
        var x = this;
        return Autograd.Record(output, "Abs", [x], g => [g * x.Sign()]);
    }

    /// <summary>−1, 0 or 1 by the sign of each element (no gradient).</summary>
    public Tensor Sign() => Gt(0.0) - Lt(0.0);

    /// <summary>Limits each element to [min, max] (either bound may be null); the gradient passes where min ≤ x ≤ max.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: at least one of min and max must be given.");
        var output = this;
        using (Autograd.NoGrad())
        {
            if (min is double lo) output = BinaryForward(BinaryOp.Max, output, ScalarLike(lo), "Clamp");
            if (max is double hi) output = BinaryForward(BinaryOp.Min, output, ScalarLike(hi), "Clamp");
            if (ReferenceEquals(output, this)) output = Clone();
        }
        var x = this;
        return Autograd.Record(output, "Clamp", [x], g =>
        {
            var mask = OnesLike(x);
            if (min is double lo) mask *= x.Ge(lo);
            if (max is double hi) mask *= x.Le(hi);
            return [g * mask];
        });
    }

    /// <summary>Element-wise maximum of two tensors, broadcasting; at ties each side gets half the gradient (as PyTorch).</summary>
    public Tensor Maximum(Tensor other) => Extremum(other, BinaryOp.Max, "Maximum");

    /// <summary>Element-wise minimum of two tensors, broadcasting; at ties each side gets half the gradient (as PyTorch).</summary>
    public Tensor Minimum(Tensor other) => Extremum(other, BinaryOp.Min, "Minimum");

    private Tensor Extremum(Tensor other, BinaryOp op, string name)
    {
        var output = BinaryForward(op, this, other, name);
        var a = this;
        return Autograd.Record(output, name, [a, other], g =>
        {
            var zero = a.ScalarLike(0);
            var half = Where(a.Eq(other), g * 0.5, g);
            Tensor aLoses = op == BinaryOp.Max ? a.Lt(other) : a.Gt(other);
            Tensor bLoses = op == BinaryOp.Max ? a.Gt(other) : a.Lt(other);
            return [Where(aLoses, zero, half).SumTo(a._dims), Where(bLoses, zero, half).SumTo(other._dims)];
        });
    }

    // ---------------------------------------------------------------- comparisons (masks, no gradient)

    /// <summary>1 where this == other, else 0, in this tensor's dtype.</summary>
    public Tensor Eq(Tensor other) => BinaryForward(BinaryOp.Eq, this, other, "Eq");

    /// <summary>1 where this != other, else 0.</summary>
    public Tensor Ne(Tensor other) => BinaryForward(BinaryOp.Ne, this, other, "Ne");

    /// <summary>1 where this &lt; other, else 0.</summary>
    public Tensor Lt(Tensor other) => BinaryForward(BinaryOp.Lt, this, other, "Lt");

    /// <summary>1 where this ≤ other, else 0.</summary>
    public Tensor Le(Tensor other) => BinaryForward(BinaryOp.Le, this, other, "Le");

    /// <summary>1 where this &gt; other, else 0.</summary>
    public Tensor Gt(Tensor other) => BinaryForward(BinaryOp.Gt, this, other, "Gt");

    /// <summary>1 where this ≥ other, else 0.</summary>
    public Tensor Ge(Tensor other) => BinaryForward(BinaryOp.Ge, this, other, "Ge");

    /// <summary>1 where this == value, else 0.</summary>
    public Tensor Eq(double value) => Eq(ScalarLike(value));

    /// <summary>1 where this != value, else 0.</summary>
    public Tensor Ne(double value) => Ne(ScalarLike(value));

    /// <summary>1 where this &lt; value, else 0.</summary>
    public Tensor Lt(double value) => Lt(ScalarLike(value));

    /// <summary>1 where this ≤ value, else 0.</summary>
    public Tensor Le(double value) => Le(ScalarLike(value));

    /// <summary>1 where this &gt; value, else 0.</summary>
    public Tensor Gt(double value) => Gt(ScalarLike(value));

    /// <summary>1 where this ≥ value, else 0.</summary>
    public Tensor Ge(double value) => Ge(ScalarLike(value));

    /// <summary>Picks <paramref name="x"/> where <paramref name="condition"/> is non-zero, else <paramref name="y"/>, broadcasting all three.</summary>
    public static Tensor Where(Tensor condition, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        CheckSameDType(x, y, "Where");
        var dims = Shape.Broadcast(Shape.Broadcast(condition._dims, x._dims, "Where"), y._dims, "Where");
        var c = condition.To(x.DType).Detach().Expand(dims).Contiguous();
        var a = x.Detach().Expand(dims).Contiguous();
        var b = y.Detach().Expand(dims).Contiguous();
        var output = Uninitialized(dims, x.DType);
        switch (x.DType)
        {
            case DType.Float32: Elementwise.Where(c.Span<float>(), a.Span<float>(), b.Span<float>(), output.Span<float>()); break;
            case DType.Float64: Elementwise.Where(c.Span<double>(), a.Span<double>(), b.Span<double>(), output.Span<double>()); break;
            default: Elementwise.Where(c.Span<long>(), a.Span<long>(), b.Span<long>(), output.Span<long>()); break;
        }
        return Autograd.Record(output, "Where", [x, y], g =>
        {
            var zero = Zeros([], g.DType);
            return [Where(c, g, zero).SumTo(x._dims), Where(c, zero, g).SumTo(y._dims)];
        });
    }

    // ---------------------------------------------------------------- operators

    /// <summary>Element-wise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(a.ScalarLike(b));

    /// <summary>Adds a constant.</summary>
    public static Tensor operator +(double a, Tensor b) => b.ScalarLike(a).Add(b);

    /// <summary>Element-wise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    /// <summary>Subtracts a constant.</summary>
    public static Tensor operator -(Tensor a, double b) => a.Sub(a.ScalarLike(b));

    /// <summary>A constant minus a tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => b.ScalarLike(a).Sub(b);

    /// <summary>Element-wise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(a.ScalarLike(b));

    /// <summary>Multiplies by a constant.</summary>
    public static Tensor operator *(double a, Tensor b) => b.ScalarLike(a).Mul(b);

    /// <summary>Element-wise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    /// <summary>Divides by a constant.</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(a.ScalarLike(b));

    /// <summary>A constant divided by a tensor.</summary>
    public static Tensor operator /(double a, Tensor b) => b.ScalarLike(a).Div(b);

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    // ---------------------------------------------------------------- in place (optimizer updates)

    private void CheckInPlace(string op)
    {
        if (RequiresGrad && Autograd.IsEnabled)
            throw new InvalidOperationException($"{op}: a tensor that requires grad cannot be modified in place while gradients are recorded; wrap the update in Autograd.NoGrad().");
        for (int i = 0; i < Rank; i++)
            if (Stride(i) == 0 && _dims[i] > 1)
                throw new InvalidOperationException($"{op}: cannot write in place to an expanded view of shape {Shape} (several elements share storage).");
    }

    /// <summary>this += alpha·other (broadcast to this shape), in place; returns this.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1.0)
    {
        CheckInPlace("AddInPlace");
        if (alpha == 1.0 && TryCombineInPlace(other, subtract: false)) return this;
        using (Autograd.NoGrad()) WriteInPlace(alpha == 1.0 ? this + other : this + other * alpha);
        return this;
    }

    /// <summary>this −= alpha·other (broadcast to this shape), in place; returns this.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1.0)
    {
        CheckInPlace("SubInPlace");
        if (alpha == 1.0 && TryCombineInPlace(other, subtract: true)) return this;
        using (Autograd.NoGrad()) WriteInPlace(alpha == 1.0 ? this - other : this - other * alpha);
        return this;
    }

    /// <summary>
    /// this ±= other straight into this tensor's elements, for the common case of two contiguous tensors of one shape and
    /// dtype that do not partly overlap (the same arithmetic as the general path, without its temporary). False when the
    /// case does not apply and nothing was written.
    /// </summary>
    internal bool TryCombineInPlace(Tensor other, bool subtract)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.DType != DType || !other._dims.AsSpan().SequenceEqual(_dims) || !IsContiguous || !other.IsContiguous
            || DType == DType.Int64 || (ReferenceEquals(other.Storage, Storage) && other.Offset != Offset))
            return false;
        if (DType == DType.Float32) Combine(Span<float>(), other.Span<float>(), subtract);
        else Combine(Span<double>(), other.Span<double>(), subtract);
        Version.Value++;
        return true;

        static void Combine<T>(Span<T> target, ReadOnlySpan<T> source, bool subtract)
            where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            if (subtract) System.Numerics.Tensors.TensorPrimitives.Subtract(target, source, target);
            else System.Numerics.Tensors.TensorPrimitives.Add(target, source, target);
        }
    }

    /// <summary>this *= factor, in place; returns this.</summary>
    public Tensor MulInPlace(double factor)
    {
        CheckInPlace("MulInPlace");
        using (Autograd.NoGrad()) WriteInPlace(this * factor);
        return this;
    }

    /// <summary>this *= other element-wise (broadcast to this shape), in place; returns this.</summary>
    public Tensor MulInPlace(Tensor other)
    {
        CheckInPlace("MulInPlace");
        using (Autograd.NoGrad()) WriteInPlace(this * other);
        return this;
    }

    /// <summary>Copies a result of this shape into this tensor's elements and counts the in-place write.</summary>
    private void WriteInPlace(Tensor result)
    {
        if (result.Shape != Shape)
            throw new ArgumentException($"In-place op: the result has shape {result.Shape} but the tensor written to has {Shape}; the other operand must broadcast to it.");
        CopyRaw(result);
        Version.Value++;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast to this shape, converted to this dtype) into this tensor; returns this.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckInPlace("CopyFrom");
        Shape.Broadcast(source._dims, _dims, "CopyFrom");
        if (source.Rank > Rank || !Shape.Broadcast(source._dims, _dims, "CopyFrom").AsSpan().SequenceEqual(_dims))
            throw new ArgumentException($"CopyFrom: source of shape {source.Shape} cannot be broadcast to {Shape}.");
        CopyRaw(source);
        Version.Value++;
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>; returns this.</summary>
    public Tensor Fill(double value)
    {
        CheckInPlace("Fill");
        CopyRaw(ScalarLike(value));
        Version.Value++;
        return this;
    }
}
