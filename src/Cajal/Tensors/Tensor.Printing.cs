using System.Globalization;
using System.Text;

namespace Cajal;

public sealed partial class Tensor
{
    private const int SummarizeThreshold = 1000;
    private const int EdgeItems = 3;

    /// <summary>A readable printout in PyTorch's layout, e.g. <c>tensor([[1.0000, 2.5000], [3.0000, 4.0000]])</c> across lines.</summary>
    /// <remarks>Large tensors (over 1000 elements) show the first and last three entries of each dimension.</remarks>
    public override string ToString()
    {
        var values = ToDoubleArray();
        bool summarize = Count > SummarizeThreshold;
        var raw = ChooseFormat(values, DType);
        // Every entry gets the width of the widest shown, so columns line up as in PyTorch; like PyTorch,
        // only nonzero finite floats set the width (nan, inf and 0 are padded but do not widen).
        int width = 0;
        foreach (double v in values)
            if (DType == DType.Int64 || (double.IsFinite(v) && v != 0)) width = Math.Max(width, raw(v).Length);
        Func<double, string> format = v => raw(v).PadLeft(width);
        var sb = new StringBuilder("tensor(");
        const int indent = 7;   // "tensor(".Length
        if (Rank == 0) sb.Append(format(values[0]));
        else AppendDim(sb, values, 0, 0, indent, summarize, format);
        var suffix = new List<string>();
        if (DType == DType.Float64) suffix.Add("dtype=Float64");
        if (DType == DType.Int64 && Count == 0) suffix.Add("dtype=Int64");
        if (GradFn is not null) suffix.Add($"gradFn={GradFn.Name}");
        else if (RequiresGrad) suffix.Add("requiresGrad=True");
        if (summarize || Count == 0) suffix.Insert(0, $"size={Shape}");
        foreach (var s in suffix) sb.Append(", ").Append(s);
        return sb.Append(')').ToString();
    }

    private void AppendDim(StringBuilder sb, double[] values, int dim, int start, int indent, bool summarize, Func<double, string> format)
    {
        int size = _dims[dim];
        int stride = 1;
        for (int i = dim + 1; i < Rank; i++) stride *= _dims[i];
        sb.Append('[');
        bool cut = summarize && size > 2 * EdgeItems;
        for (int i = 0; i < size; i++)
        {
            if (cut && i == EdgeItems)
            {
                sb.Append(dim == Rank - 1 ? "..., " : "...,\n" + new string(' ', indent + dim + 1));
                i = size - EdgeItems - 1;
                continue;
            }
            if (dim == Rank - 1) sb.Append(format(values[start + i]));
            else AppendDim(sb, values, dim + 1, start + i * stride, indent, summarize, format);
            if (i < size - 1)
            {
                sb.Append(',');
                if (dim == Rank - 1) sb.Append(' ');
                else sb.Append('\n', Rank - 1 - dim).Append(' ', indent + dim + 1);
            }
        }
        sb.Append(']');
    }

    private static Func<double, string> ChooseFormat(double[] values, DType dtype)
    {
        var ci = CultureInfo.InvariantCulture;
        if (dtype == DType.Int64) return v => ((long)v).ToString(ci);
        var finite = values.Where(double.IsFinite).Select(Math.Abs).ToArray();
        bool allIntegers = finite.All(v => v == Math.Floor(v));
        double max = finite.Length > 0 ? finite.Max() : 0;
        double minNonZero = finite.Where(v => v > 0).DefaultIfEmpty(0).Min();
        static string Special(double v) => double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        if (allIntegers && max < 1e8)
            return v => double.IsFinite(v) ? v.ToString("0", ci) + "." : Special(v);
        bool scientific = max >= 1e8 || (minNonZero > 0 && (minNonZero < 1e-4 || max / minNonZero > 1000));
        if (scientific)
            return v => double.IsFinite(v) ? v.ToString("0.0000e+00", ci) : Special(v);
        return v => double.IsFinite(v) ? v.ToString("0.0000", ci) : Special(v);
    }
}
