using System.Globalization;
using System.Text;

namespace Cajal.Training;

/// <summary>Counts of (true class, predicted class) pairs, with accuracy and per-class precision and recall.</summary>
/// <remarks>Row = true class, column = predicted class, as scikit-learn prints it.</remarks>
public sealed class ConfusionMatrix
{
    private readonly long[,] _counts;

    /// <summary>An empty matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        if (classes <= 0) throw new ArgumentException($"ConfusionMatrix: the number of classes must be positive, got {classes}.");
        Classes = classes;
        _counts = new long[classes, classes];
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The number of samples counted.</summary>
    public long Total { get; private set; }

    /// <summary>Samples of true class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[actual, predicted];

    /// <summary>Counts one prediction.</summary>
    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)Classes || (uint)predicted >= (uint)Classes)
            throw new ArgumentOutOfRangeException(nameof(actual), $"ConfusionMatrix: class pair ({actual}, {predicted}) is out of range for {Classes} classes.");
        _counts[actual, predicted]++;
        Total++;
    }

    /// <summary>Counts a batch: <paramref name="logits"/> (N, C) are reduced by argmax, <paramref name="labels"/> (N) are int64.</summary>
    public void Add(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.Rank != 2 || labels.Rank != 1 || logits.Size(0) != labels.Size(0))
            throw new ArgumentException($"ConfusionMatrix.Add: expected logits (N, C) and labels (N), got {logits.Shape} and {labels.Shape}.");
        var predicted = logits.ArgMax(1).ToArray<long>();
        var actual = labels.To(DType.Int64).ToArray<long>();
        for (int i = 0; i < actual.Length; i++) Add((int)actual[i], (int)predicted[i]);
    }

    /// <summary>The fraction of correct predictions (0 when empty).</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < Classes; c++) correct += _counts[c, c];
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are <paramref name="c"/> (NaN if none).</summary>
    public double Precision(int c)
    {
        long predicted = 0;
        for (int a = 0; a < Classes; a++) predicted += _counts[a, c];
        return predicted == 0 ? double.NaN : (double)_counts[c, c] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/> (NaN if none).</summary>
    public double Recall(int c)
    {
        long actual = 0;
        for (int p = 0; p < Classes; p++) actual += _counts[c, p];
        return actual == 0 ? double.NaN : (double)_counts[c, c] / actual;
    }

    /// <summary>A copy of the counts.</summary>
    public long[,] ToArray() => (long[,])_counts.Clone();

    /// <summary>A text table of the counts with optional class names.</summary>
    public string Format(IReadOnlyList<string>? classNames = null)
    {
        var names = Enumerable.Range(0, Classes).Select(i => classNames is not null && i < classNames.Count ? classNames[i] : i.ToString(CultureInfo.InvariantCulture)).ToArray();
        int nameWidth = Math.Max(10, names.Max(n => n.Length) + 1);
        int cell = Math.Max(6, _counts.Cast<long>().Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        var sb = new StringBuilder("true \\ predicted".PadRight(nameWidth));
        for (int p = 0; p < Classes; p++) sb.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(cell));
        sb.Append("  recall\n");
        for (int a = 0; a < Classes; a++)
        {
            sb.Append(names[a].PadRight(nameWidth));
            for (int p = 0; p < Classes; p++) sb.Append(_counts[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            sb.Append(Recall(a).ToString("0.000", CultureInfo.InvariantCulture).PadLeft(8)).Append('\n');
        }
        sb.Append("precision".PadRight(nameWidth));
        for (int p = 0; p < Classes; p++) sb.Append(Precision(p).ToString("0.00", CultureInfo.InvariantCulture).PadLeft(cell));
        return sb.Append('\n').ToString();
    }
}
