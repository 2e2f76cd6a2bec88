namespace Cajal;

/// <summary>A count of in-place writes to one storage, shared by all views of it.</summary>
/// <remarks>
/// Each recorded op remembers the versions of its inputs and output; backward refuses to run a closure whose
/// tensors changed since, as PyTorch's version counter does, instead of returning a silently wrong gradient.
/// </remarks>
internal sealed class VersionCounter
{
    /// <summary>The number of in-place writes so far.</summary>
    public int Value;
}
