namespace Cajal.Optim;

/// <summary>Updates parameters from their gradients: the untyped view that schedulers and training loops use.</summary>
/// <example>
/// <code>
/// optimizer.ZeroGrad();
/// loss.Backward();
/// optimizer.Step();
/// </code>
/// </example>
public abstract class Optimizer
{
    private protected Optimizer() { }

    /// <summary>The parameter groups, in order.</summary>
    public abstract IReadOnlyList<ParamGroup> ParamGroups { get; }

    /// <summary>The name used in messages and state dicts (the type's name, e.g. <c>Adam</c>).</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Updates every parameter that has a gradient, in place and without recording (parameters with a null Grad are skipped).</summary>
    public abstract void Step();

    /// <summary>Re-evaluates the model with <paramref name="closure"/> (which computes the loss and calls Backward), then steps; returns the loss.</summary>
    public Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        var loss = closure();
        Step();
        return loss;
    }

    /// <summary>Clears the gradients of all parameters: sets Grad to null (the default, as PyTorch's set_to_none=True) or fills it with zeros.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var group in ParamGroups)
            foreach (var p in group.Parameters)
            {
                if (p.Grad is null) continue;
                if (setToNone) p.Grad = null;
                else using (Autograd.NoGrad()) p.Grad.Detach().Fill(0.0);
            }
    }

    /// <summary>A copy of the state: per-parameter tensors and each group's options.</summary>
    public abstract OptimizerStateDict StateDict();

    /// <summary>Replaces the state and the groups' options with <paramref name="stateDict"/>; the parameters stay.</summary>
    /// <exception cref="ArgumentException">The state dict belongs to another optimizer type, the groups or parameter counts differ, or a tensor is unknown or has the wrong shape. Nothing is changed then.</exception>
    public abstract void LoadStateDict(OptimizerStateDict stateDict);
}
