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
        Name = name;
        Inputs = inputs;
        BackwardFn = backward;
        _saved = new (VersionCounter, int)[inputs.Length + 1];
        for (int i = 0; i < inputs.Length; i++) _saved[i] = (inputs[i].Version, inputs[i].Version.Value);
        _saved[^1] = (output.Version, output.Version.Value);
    }

    /// <summary>The storage versions of the inputs and the output when the op ran.</summary>
    private (VersionCounter Counter, int Value)[] _saved;

    /// <summary>
    /// Throws when an input or the output was modified in place after the op ran: the closure may have
    /// saved it, and its gradient would be silently wrong.
    /// </summary>
    internal void CheckVersions()
    {
        for (int i = 0; i < _saved.Length; i++)
        {
            if (_saved[i].Counter.Value == _saved[i].Value) continue;
            string which = i < Inputs.Length ? $"input {i} (shape {Inputs[i].Shape})" : "its output";
            throw new InvalidOperationException(
                $"Backward: {which} of {Name} was modified by an in-place operation after {Name} used it " +
                $"(version {_saved[i].Counter.Value}, expected {_saved[i].Value}); its gradient would be wrong. " +
                "Modify a copy (Clone()) instead, or run the in-place update after Backward.");
        }
    }

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
        _saved = [];
    }
}
