namespace Cajal;

public sealed partial class Tensor
{
    internal void MarkRequiresGrad() => _requiresGrad = true;

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires one, accumulating into their <see cref="Grad"/>.
    /// </summary>
    /// <param name="upstream">∂L/∂this, of this tensor's shape; may be omitted only for one-element tensors (then 1).</param>
    /// <param name="retainGraph">Keep the graph so that Backward can run through it again.</param>
    /// <remarks>
    /// This is the vector-Jacobian product of reverse mode, as PyTorch's <c>backward(gradient)</c>. The graph is
    /// released afterwards unless <paramref name="retainGraph"/> is true.
    /// </remarks>
    public void Backward(Tensor? upstream = null, bool retainGraph = false)
    {
        if (!RequiresGrad)
            throw new InvalidOperationException(
                $"Backward: this tensor (shape {Shape}) does not require grad and has no graph; set RequiresGrad = true on the inputs before computing it.");
        if (upstream is null)
        {
            if (Count != 1)
                throw new ArgumentException($"Backward: an upstream gradient is required for a non-scalar output of shape {Shape} (it can be omitted only for one element).");
            upstream = OnesLike(this);
        }
        else
        {
            if (upstream.Shape != Shape)
                throw new ArgumentException($"Backward: upstream gradient of shape {upstream.Shape} does not match the output's shape {Shape}.");
            upstream = upstream.To(DType).Detach();
        }
        Autograd.RunBackward(this, upstream, retainGraph);
    }
}
