using System.CommandLine;
using Cajal.Parity;

namespace Cajal.Cli;

/// <summary>Builds the <c>parity</c> verb: runs a folder of PyTorch golden files against Cajal.</summary>
internal static class ParityCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir")
        {
            Description = "Folder of PyTorch golden files (*.json), such as ../shared/golden/pytorch",
        };
        var command = new Command("parity", "Check Cajal's ops against PyTorch golden files and report each mismatch")
        {
            directory,
        };
        // Prints each failure, the skipped ops and "N passed, M failed, K skipped"; exits 1 when any case failed.
        command.SetAction(parse => ParityRunner.Run(parse.GetRequiredValue(directory), parse.InvocationConfiguration.Output));
        return command;
    }
}
