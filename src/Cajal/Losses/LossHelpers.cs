using System.Globalization;
using Cajal.Kernels;

namespace Cajal.Nn;

/// <summary>An element-wise loss kernel over (input, target) with optional per-element constants w and pw (empty when absent).</summary>
internal delegate void PairForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, ReadOnlySpan<T> pw, Span<T> loss);

/// <summary>The backward of a <see cref="PairForward{T}"/>: writes dx and dt (each skipped when empty).</summary>
internal delegate void PairBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> t, ReadOnlySpan<T> w, ReadOnlySpan<T> pw, ReadOnlySpan<T> grad, Span<T> dx, Span<T> dt);

/// <summary>Input checks, reductions and the element-wise op driver shared by the losses.</summary>
internal static class LossHelpers
{
    /// <summary>Throws unless <paramref name="input"/> is a floating-point tensor.</summary>
    public static void RequireFloat(Tensor input, string op, string role = "input")
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {role} must be Float32 or Float64, got {input.DType} {input.Shape}.");
    }

    /// <summary>Throws unless input and target are floating-point tensors of one dtype and the same shape.</summary>
    public static void RequirePair(Tensor input, Tensor target, string op)
    {
        RequireFloat(input, op);
        RequireFloat(target, op, "target");
        if (input.DType != target.DType)
            throw new ArgumentException($"{op}: input is {input.DType} {input.Shape} but target is {target.DType} {target.Shape}; convert one with To(DType).");
        if (input.Shape != target.Shape)
            throw new ArgumentException($"{op}: input {input.Shape} and target {target.Shape} must have the same shape.");
    }

    /// <summary>Applies a <see cref="Reduction"/> to per-element losses.</summary>
    public static Tensor Reduce(Tensor loss, Reduction reduction, string op) => reduction switch
    {
        Reduction.None => loss,
        Reduction.Mean => loss.Mean(),
        Reduction.Sum => loss.Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), $"{op}: unknown reduction {reduction}."),
    };

    /// <summary>
    /// A constant (no gradient) broadcast to the input's shape, in the input's dtype, contiguous; null when absent.
    /// </summary>
    public static Tensor? ExpandConstant(Tensor? value, Tensor input, string op, string name)
    {
        if (value is null) return null;
        RequireFloat(value, op, name);
        int[] dims = input.Shape.ToArray();
        bool fits = value.Rank <= dims.Length;
        for (int i = 0; fits && i < value.Rank; i++)
        {
            int v = value.Shape[i], d = dims[dims.Length - value.Rank + i];
            fits = v == d || v == 1;
        }
        if (!fits)
            throw new ArgumentException($"{op}: {name} of shape {value.Shape} cannot be broadcast to the input's shape {input.Shape}.");
        return value.Detach().To(input.DType).Expand(dims).Contiguous();
    }

    /// <summary>The index of the first element of a float tensor outside [0, 1] (NaN included), or −1.</summary>
    public static int FindOutsideUnitInterval(Tensor t)
    {
        var c = t.Detach().Contiguous();
        return t.DType == DType.Float32
            ? LossKernels.FindOutsideUnitInterval(c.Span<float>())
            : LossKernels.FindOutsideUnitInterval(c.Span<double>());
    }

    /// <summary>Throws unless every element of <paramref name="t"/> is a probability, naming the first bad value and its position.</summary>
    public static void RequireProbabilities(Tensor t, string op, string role)
    {
        int bad = FindOutsideUnitInterval(t);
        if (bad >= 0)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{op}: {role} {t.GetAsDouble(bad):R} at position {FormatPosition(bad, t.Shape.ToArray())} is not a probability in [0, 1]."));
    }

    /// <summary>A row-major flat index as a multi-index, e.g. <c>[1, 0, 2]</c>; a scalar's is <c>[]</c>.</summary>
    public static string FormatPosition(int flat, int[] dims)
    {
        var index = new int[dims.Length];
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            index[d] = flat % dims[d];
            flat /= dims[d];
        }
        return "[" + string.Join(", ", index) + "]";
    }

    /// <summary>
    /// Runs an element-wise loss kernel on (input, target, w, pw) of one shape and records its backward for input and target.
    /// </summary>
    /// <remarks>w and pw are constants: they receive no gradient, as class weights in PyTorch's golden convention.</remarks>
    public static Tensor PairOp(string name, Tensor input, Tensor target, Tensor? w, Tensor? pw,
        PairForward<float> f32, PairForward<double> f64, PairBackward<float> b32, PairBackward<double> b64)
    {
        var x = input.Detach().Contiguous();
        var t = target.Detach().Contiguous();
        var loss = Tensor.EmptyLike(x);
        if (x.DType == DType.Float32)
            f32(x.Span<float>(), t.Span<float>(), SpanOf<float>(w), SpanOf<float>(pw), loss.Span<float>());
        else
            f64(x.Span<double>(), t.Span<double>(), SpanOf<double>(w), SpanOf<double>(pw), loss.Span<double>());
        return Autograd.Record(loss, name, [input, target], g =>
        {
            var gc = g.Contiguous();
            Tensor? dx = input.RequiresGrad ? Tensor.EmptyLike(x) : null;
            Tensor? dt = target.RequiresGrad ? Tensor.EmptyLike(t) : null;
            if (x.DType == DType.Float32)
                b32(x.Span<float>(), t.Span<float>(), SpanOf<float>(w), SpanOf<float>(pw), gc.Span<float>(), SpanOf<float>(dx), SpanOf<float>(dt));
            else
                b64(x.Span<double>(), t.Span<double>(), SpanOf<double>(w), SpanOf<double>(pw), gc.Span<double>(), SpanOf<double>(dx), SpanOf<double>(dt));
            return [dx, dt];
        });
    }

    private static Span<T> SpanOf<T>(Tensor? t) where T : unmanaged => t is null ? default : t.Span<T>();
}
