namespace Cajal;

/// <summary>One recorded operation in the autograd graph: its inputs and how to map the output's gradient to theirs.</summary>
/// <remarks>
/// The closure receives ∂L/∂output and returns ∂L/∂input for each input (null where an input needs
/// none), each already reduced to that input's shape. It runs with recording off.
/// </remarks>
internal sealed class Node
{
    internal Node(string name, Tensor[] inputs, Tensor output, Func<Tensor, Tensor?[]> backward)
    {
        _hash = s_nextHash++;   // a benign race: two nodes may share a hash, which only costs a probe
        Name = name;
        Inputs = inputs;
        BackwardFn = backward;
        _output = output;
        _outputVersion = output.VersionValue;
        // The versions of the first three inputs live in fields (ops have one to three inputs), the rest in an array.
        int n = inputs.Length;
        if (n > 0) _v0 = inputs[0].VersionValue;
        if (n > 1) _v1 = inputs[1].VersionValue;
        if (n > 2) _v2 = inputs[2].VersionValue;
        if (n > 3)
        {
            _vMore = new int[n - 3];
            for (int i = 3; i < n; i++) _vMore[i - 3] = inputs[i].VersionValue;
        }
    }

    private static int s_nextHash;
    private readonly int _hash;

    /// <summary>
    /// Identity comparison for the backward engine's sets, hashing by a number given at construction: the runtime's
    /// identity hash (ReferenceEqualityComparer) makes one up on first use through thread-local state, a call to
    /// <c>__tls_get_addr</c> per node on Linux.
    /// </summary>
    internal sealed class Comparer : IEqualityComparer<Node>
    {
        public static readonly Comparer Instance = new();

        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y);

        public int GetHashCode(Node node) => node._hash;
    }

    /// <summary>The output, and the storage versions of the inputs and the output when the op ran.</summary>
    /// <remarks>Versions are read through the tensors (<see cref="Tensor.VersionValue"/>), so a tensor whose counter is
    /// created later (by a view or an in-place write) still compares correctly: a counter starts at the version 0 recorded.</remarks>
    private Tensor? _output;
    private readonly int _outputVersion, _v0, _v1, _v2;
    private readonly int[]? _vMore;

    private int SavedVersion(int i) => i switch { 0 => _v0, 1 => _v1, 2 => _v2, _ => _vMore![i - 3] };

    /// <summary>
    /// Throws when an input or the output was modified in place after the op ran: the closure may have
    /// saved it, and its gradient would be silently wrong.
    /// </summary>
    internal void CheckVersions()
    {
        for (int i = 0; i < Inputs.Length; i++)
            if (Inputs[i].VersionValue != SavedVersion(i))
                throw Modified($"input {i} (shape {Inputs[i].Shape})", Inputs[i].VersionValue, SavedVersion(i));
        if (_output is not null && _output.VersionValue != _outputVersion)
            throw Modified("its output", _output.VersionValue, _outputVersion);
    }

    private InvalidOperationException Modified(string which, int now, int expected) => new(
        $"Backward: {which} of {Name} was modified by an in-place operation after {Name} used it " +
        $"(version {now}, expected {expected}); its gradient would be wrong. " +
        "Modify a copy (Clone()) instead, or run the in-place update after Backward.");

    /// <summary>The op's name, used in error messages (e.g. <c>MatMul</c>).</summary>
    internal string Name { get; }

    internal Tensor[] Inputs { get; private set; }

    internal Func<Tensor, Tensor?[]>? BackwardFn { get; private set; }

    /// <summary>True once backward ran without <c>retainGraph</c>: its saved tensors are gone.</summary>
    internal bool Released => BackwardFn is null;

    /// <summary>Drops the closure and the inputs so the graph's memory can be reclaimed.</summary>
    internal void Release()
    {
        BackwardFn = null;
        Inputs = [];
        _output = null;
    }
}
