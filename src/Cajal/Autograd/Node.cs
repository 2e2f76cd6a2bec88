namespace Cajal;

/// <summary>One recorded operation in the autograd graph: its inputs and how to map the output's gradient to theirs.</summary>
/// <remarks>
/// The closure receives ∂L/∂output and returns ∂L/∂input for each input (null where an input needs
/// none), each already reduced to that input's shape. It runs with recording off.
/// </remarks>
internal sealed class Node
{
    internal Node(string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        Name = name;
        Inputs = inputs;
        BackwardFn = backward;
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
    }
}
