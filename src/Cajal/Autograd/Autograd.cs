namespace Cajal;

/// <summary>Switches gradient recording on and off, as PyTorch's <c>torch.no_grad()</c>.</summary>
/// <example>
/// <code>
/// using (Autograd.NoGrad())
/// {
///     w.SubInPlace(w.Grad! * lr);   // an update that must not be recorded
/// }
/// </code>
/// </example>
public static class Autograd
{
    [ThreadStatic] private static int t_disabledDepth;
    private static ThreadSettingCount s_disabledThreads;   // while 0, no thread has recording off

    /// <summary>Whether operations on this thread record the graph for backward.</summary>
    public static bool IsEnabled => !s_disabledThreads.AnySet || t_disabledDepth == 0;

    /// <summary>Turns recording off on this thread until the returned scope is disposed.</summary>
    public static IDisposable NoGrad()
    {
        SetDepth(t_disabledDepth + 1);
        return new Scope();
    }

    private static void SetDepth(int depth)
    {
        s_disabledThreads.Changed(t_disabledDepth != 0, depth != 0);
        t_disabledDepth = depth;
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            SetDepth(t_disabledDepth - 1);
        }
    }

    /// <summary>
    /// Attaches a backward closure to <paramref name="output"/> when recording is on and any input requires a gradient.
    /// </summary>
    internal static Tensor Record(Tensor output, string name, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!IsEnabled) return output;
        bool any = false;
        foreach (var input in inputs) any |= input.RequiresGrad;
        if (!any) return output;
        output.GradFn = new Node(name, inputs, output, backward);
        output.MarkRequiresGrad();
        return output;
    }

    /// <summary>
    /// Runs reverse-mode differentiation from <paramref name="root"/> with the given upstream gradient.
    /// </summary>
    /// <remarks>
    /// The graph is ordered by an iterative depth-first search, so a chain of any depth is fine. Gradients
    /// of non-leaf tensors are summed per node before its closure runs; leaves accumulate into <c>Grad</c>.
    /// </remarks>
    internal static void RunBackward(Tensor root, Tensor upstream, bool retainGraph)
    {
        using var _ = NoGrad();
        if (root.GradFn is null)
        {
            Accumulate(root, upstream);
            return;
        }

        // The engine's collections are reused between calls on a thread (a backward pass of a small graph otherwise
        // allocates more for them than for its gradients); a nested call (GradCheck inside a test's backward, say)
        // finds them taken and makes its own.
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        try
        {
            RunBackward(root, upstream, retainGraph, scratch);
        }
        finally
        {
            // Cleared, so no graph stays reachable; not kept after a very large graph, so its capacity is not held.
            scratch.Clear();
            t_scratch = scratch.Order.Capacity > 4096 ? null : scratch;
        }
    }

    /// <summary>The collections one backward pass needs, kept per thread between passes.</summary>
    private sealed class Scratch
    {
        public readonly List<Node> Order = [];
        public readonly HashSet<Node> Visited = new(Node.Comparer.Instance);
        public readonly Stack<(Node Node, int Next)> Stack = new();
        public readonly Dictionary<Node, Tensor> Pending = new(Node.Comparer.Instance);

        public void Clear()
        {
            Order.Clear();
            Visited.Clear();
            Stack.Clear();
            Pending.Clear();
        }
    }

    [ThreadStatic] private static Scratch? t_scratch;

    private static void RunBackward(Tensor root, Tensor upstream, bool retainGraph, Scratch scratch)
    {
        var order = TopologicalOrder(root.GradFn!, scratch);
        var pending = scratch.Pending;
        pending[root.GradFn!] = upstream;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (!pending.Remove(node, out var grad)) continue;   // nothing flowed here
            node.CheckVersions();
            var inputs = node.Inputs;
            var grads = node.BackwardFn!(grad);
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"Backward of {node.Name} returned {grads.Length} gradients for {inputs.Length} inputs.");
            for (int k = 0; k < inputs.Length; k++)
            {
                var input = inputs[k];
                var g = grads[k];
                if (g is null || !input.RequiresGrad) continue;
                if (g.Shape != input.Shape)
                    throw new InvalidOperationException($"Backward of {node.Name}: gradient of shape {g.Shape} for input {k} of shape {input.Shape}.");
                if (input.GradFn is null)
                    Accumulate(input, g, Owned(g, k, grad, grads, inputs));
                else if (pending.TryGetValue(input.GradFn, out var existing))
                    pending[input.GradFn] = existing + g;
                else
                    pending[input.GradFn] = g;
            }
            if (!retainGraph) node.Release();
        }
    }

    private static List<Node> TopologicalOrder(Node root, Scratch scratch)
    {
        // Post-order DFS with an explicit stack of (node, next input index).
        var order = scratch.Order;
        var visited = scratch.Visited;
        visited.Add(root);
        var stack = scratch.Stack;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (node.Released)
                throw new InvalidOperationException(
                    $"Backward: trying to backward through the graph a second time (the saved state of {node.Name} was freed by the first Backward). " +
                    "Pass retainGraph: true to the first Backward call to keep it.");
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Inputs[next].GradFn;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    /// <summary>
    /// Adds a gradient into a leaf's <c>Grad</c>, as PyTorch's AccumulateGrad: the first gradient is stored (the tensor
    /// itself when <paramref name="owned"/>, else a copy), later ones are added in place.
    /// </summary>
    private static void Accumulate(Tensor leaf, Tensor grad, bool owned = false)
    {
        if (!leaf.RequiresGrad) return;
        if (leaf.Grad is null)
            leaf.Grad = owned ? grad : grad.Clone();
        else if (!leaf.Grad.TryCombineInPlace(grad, subtract: false))
            leaf.Grad = leaf.Grad + grad;
    }

    /// <summary>
    /// Whether gradient k returned by a closure is a tensor of its own that may become a leaf's <c>Grad</c> without a copy:
    /// contiguous over all of its storage, and sharing storage with neither the upstream gradient, nor another returned
    /// gradient, nor an input. Closures build their gradients from the upstream one (views of it, like Reshape's, share
    /// its storage; a pass-through, like Add's, is the same tensor), so any other result is new memory.
    /// </summary>
    private static bool Owned(Tensor g, int k, Tensor upstream, Tensor?[] grads, Tensor[] inputs)
    {
        if (g.Offset != 0 || g.Storage.Length != g.Count || !g.IsContiguous || ReferenceEquals(g.Storage, upstream.Storage)) return false;
        for (int j = 0; j < grads.Length; j++)
            if (j != k && grads[j] is { } other && ReferenceEquals(other.Storage, g.Storage)) return false;
        foreach (var input in inputs)
            if (ReferenceEquals(input.Storage, g.Storage)) return false;
        return true;
    }
}
