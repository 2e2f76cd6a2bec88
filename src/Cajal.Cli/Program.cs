using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.Json;
using Cajal.Training;

namespace Cajal.Cli;

/// <summary>The <c>cajal</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Exit code for a run that finished.</summary>
    public const int Success = 0;

    /// <summary>Exit code for an error while running, such as a file that cannot be written, missing data, a diverging loss, or parity mismatches.</summary>
    public const int RuntimeError = 1;

    /// <summary>Exit code for a command line that does not parse: unknown verb or option, or a bad value.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a training run stopped by Ctrl-C after saving what it had (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>The process entry point.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Parses <paramref name="args"/> and runs the chosen verb, writing to the given writers.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Where results go: tables, JSON, help and version text.</param>
    /// <param name="stderr">Where errors go, one line each.</param>
    /// <returns><see cref="Success"/>, <see cref="RuntimeError"/> or <see cref="UsageError"/>.</returns>
    /// <remarks>Callable in-process (the tests do): it touches no global console state.</remarks>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, CliHooks.None);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>, with a cancellation token and extra training callbacks (for tests).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, CliHooks hooks)
    {
        var root = new RootCommand("Cajal: deep learning from scratch for .NET.") { HelpName = "cajal" };
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(TrainCommand.Create(hooks));
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(ParityCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(Bench.BenchCommand.Create());

        var parse = root.Parse(args);
        // --help and --version clear parse errors; anything else with errors is a usage error. The built-in
        // handler would exit 1 and print the whole help, so report one line and a hint instead.
        if (parse.Errors.Count > 0 && parse.Action is not CommandLineAction { ClearsParseErrors: true })
        {
            stderr.WriteLine($"cajal: {FirstError(parse)}");
            stderr.WriteLine(UsageHint(parse.CommandResult.Command));
            return UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return parse.Invoke(configuration);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FormatException
                                        or InvalidDataException or JsonException or TrainingDivergedException)
        {
            stderr.WriteLine($"cajal: error: {e.Message}");
            return RuntimeError;
        }
    }

    // An unknown verb also leaves "Required command was not provided."; name the stray word instead. Messages
    // are folded onto one line.
    private static string FirstError(ParseResult parse)
    {
        if (parse.CommandResult.Command is RootCommand && parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            return token.StartsWith('-') ? $"unknown option '{token}'." : $"unknown verb '{token}'.";
        }
        return string.Join(' ', parse.Errors[0].Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static string UsageHint(Command command) => command is RootCommand
        ? "Usage: cajal <verb> [options]; verbs: demo, train, eval, predict, download, parity, inspect, bench, detect-demo. Run 'cajal --help' for more."
        : $"Usage: cajal {string.Join(' ', [command.Name, .. command.Arguments.Select(a => $"<{a.Name}>")])} [options]. " +
          $"Run 'cajal {command.Name} --help' for the options.";
}
