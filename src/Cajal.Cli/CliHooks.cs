using Cajal.Training;

namespace Cajal.Cli;

/// <summary>What an in-process caller (the tests) can hand to the verbs besides the command line.</summary>
/// <param name="TrainCallbacks">Extra callbacks added to every training run, after the run's own.</param>
/// <param name="Cancellation">Stops a training run as Ctrl-C does: the last completed epoch's checkpoint stays, exit 130.</param>
internal sealed record CliHooks(IReadOnlyList<ITrainerCallback> TrainCallbacks, CancellationToken Cancellation)
{
    /// <summary>No cancellation, no extra callbacks.</summary>
    public static CliHooks None { get; } = new([], CancellationToken.None);
}
