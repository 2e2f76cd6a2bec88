namespace Cajal.Kernels;

/// <summary>Walks strided operands row by row: the shared driver of every strided kernel.</summary>
/// <remarks>
/// Adjacent dimensions that every operand can step through as one are merged first, so a contiguous
/// tensor is one long row and a broadcast bias is rows of the bias length.
/// </remarks>
internal sealed class RowWalker
{
    private readonly int[] _dims;
    private readonly int[][] _strides;
    private readonly int[] _index;

    /// <summary>Current storage offset of each operand at the start of the row.</summary>
    public readonly int[] Offsets;

    /// <summary>Elements in one row (the innermost merged dimension).</summary>
    public int RowLength { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>The stride of each operand along the row.</summary>
    public readonly int[] InnerStrides;

    public RowWalker(ReadOnlySpan<int> dims, int[][] strides, int[] offsets)
    {
        (_dims, _strides) = Coalesce(dims, strides);
        Offsets = (int[])offsets.Clone();
        int rank = _dims.Length;
        RowLength = rank == 0 ? 1 : _dims[rank - 1];
        InnerStrides = new int[strides.Length];
        for (int k = 0; k < strides.Length; k++) InnerStrides[k] = rank == 0 ? 0 : _strides[k][rank - 1];
        long rows = 1;
        for (int d = 0; d < rank - 1; d++) rows *= _dims[d];
        Rows = RowLength == 0 ? 0 : (int)rows;
        _index = new int[Math.Max(rank - 1, 0)];
    }

    /// <summary>Advances <see cref="Offsets"/> to the next row (odometer order).</summary>
    public void Next()
    {
        for (int d = _index.Length - 1; d >= 0; d--)
        {
            _index[d]++;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] += _strides[k][d];
            if (_index[d] < _dims[d]) return;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] -= _strides[k][d] * _dims[d];
            _index[d] = 0;
        }
    }

    private static (int[] Dims, int[][] Strides) Coalesce(ReadOnlySpan<int> dims, int[][] strides)
    {
        var d = new List<int>();
        var s = new List<int>[strides.Length];
        for (int k = 0; k < strides.Length; k++) s[k] = [];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == 1) continue;                       // size-1 dims never move the offset
            if (d.Count > 0)
            {
                int last = d.Count - 1;
                bool merge = true;
                for (int k = 0; k < strides.Length && merge; k++)
                    merge = s[k][last] == strides[k][i] * dims[i];
                if (merge)
                {
                    d[last] *= dims[i];
                    for (int k = 0; k < strides.Length; k++) s[k][last] = strides[k][i];
                    continue;
                }
            }
            d.Add(dims[i]);
            for (int k = 0; k < strides.Length; k++) s[k].Add(strides[k][i]);
        }
        var sa = new int[strides.Length][];
        for (int k = 0; k < strides.Length; k++) sa[k] = [.. s[k]];
        return ([.. d], sa);
    }
}
