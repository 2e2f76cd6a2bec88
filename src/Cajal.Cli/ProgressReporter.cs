using System.Diagnostics;
using System.Globalization;
using Cajal.Training;
using Spectre.Console;

namespace Cajal.Cli;

/// <summary>Shows training progress on stderr: a live Spectre.Console display on a terminal, one plain line per epoch otherwise.</summary>
/// <remarks>
/// The live display (epoch, batch, loss, accuracy, samples/s, ETA) needs stdin, stdout and stderr on a terminal that
/// understands ANSI codes (see NOTES: Spectre drops custom columns when anything is redirected); stdout stays clean
/// for tables and <c>--json</c> either way.
/// </remarks>
internal abstract class ProgressReporter : ITrainerCallback
{
    /// <summary>The live display when the process's stderr is an interactive ANSI terminal, else plain lines on <paramref name="stderr"/>.</summary>
    public static ProgressReporter Create(TextWriter stderr, int epochs)
    {
        if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected && !Console.IsOutputRedirected && !Console.IsInputRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
                return new Live(console, epochs);
        }
        return new Plain(stderr, epochs);
    }

    /// <summary>Runs the training inside the display.</summary>
    public abstract void Run(Action training);

    /// <inheritdoc/>
    public virtual void OnEpochBegin(Trainer trainer, int epoch) { }

    /// <inheritdoc/>
    public virtual void OnStepEnd(Trainer trainer, StepInfo step) { }

    /// <inheritdoc/>
    public virtual void OnEpochEnd(Trainer trainer, EpochMetrics metrics) { }

    /// <summary>One epoch's figures as text: loss and accuracy, test loss and accuracy, time and throughput.</summary>
    protected static string EpochLine(EpochMetrics m, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch}/{epochs}  loss {m.TrainLoss:F4}  acc {RunFiles.Percent(m.TrainAccuracy)}  test loss {m.ValLoss ?? double.NaN:F4}  test acc {RunFiles.Percent(m.ValAccuracy ?? double.NaN)}  lr {m.LearningRate:G4}  {m.Seconds:F1} s  {m.SamplesPerSecond:F0} samples/s");

    private sealed class Plain(TextWriter stderr, int epochs) : ProgressReporter
    {
        public override void Run(Action training) => training();

        public override void OnEpochEnd(Trainer trainer, EpochMetrics metrics) => stderr.WriteLine(EpochLine(metrics, epochs));
    }

    private sealed class Live(IAnsiConsole console, int epochs) : ProgressReporter
    {
        private ProgressContext? _context;
        private ProgressTask? _task;
        private readonly Stopwatch _sinceUpdate = Stopwatch.StartNew();

        public override void Run(Action training) =>
            console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(),
                    new RemainingTimeColumn())
                .Start(context =>
                {
                    _context = context;
                    training();
                });

        public override void OnEpochBegin(Trainer trainer, int epoch)
        {
            _task = _context?.AddTask(Markup.Escape($"epoch {epoch}/{epochs}"), maxValue: 1);
            _sinceUpdate.Restart();
        }

        public override void OnStepEnd(Trainer trainer, StepInfo step)
        {
            if (_task is null) return;
            _task.MaxValue = Math.Max(1, step.StepsPerEpoch);
            _task.Value = step.Step;
            if (_sinceUpdate.ElapsedMilliseconds < 100 && step.Step != step.StepsPerEpoch) return;
            _sinceUpdate.Restart();
            _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"epoch {step.Epoch}/{epochs} batch {step.Step}/{step.StepsPerEpoch} loss {step.Loss:F4} acc {100 * step.Accuracy:F1}% {step.SamplesPerSecond:F0}/s"));
        }

        public override void OnEpochEnd(Trainer trainer, EpochMetrics metrics)
        {
            if (_task is null) return;
            _task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"epoch {metrics.Epoch}/{epochs} loss {metrics.TrainLoss:F4} acc {100 * metrics.TrainAccuracy:F1}% test {100 * (metrics.ValAccuracy ?? double.NaN):F1}% {metrics.Seconds:F1} s"));
            _task.Value = _task.MaxValue;
            _task.StopTask();
        }
    }
}
