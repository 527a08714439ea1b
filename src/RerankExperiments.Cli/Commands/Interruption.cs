using System.Runtime.InteropServices;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM (scancel, docker stop, a cancelled CI job) as one cancellation: the first signal asks
/// training to finish its step, save a checkpoint and stop (the commands then exit 130); a second one ends the
/// process at once, as the signal would without us.
/// </summary>
internal sealed class Interruption : IDisposable
{
    readonly CancellationTokenSource _source;
    readonly PosixSignalRegistration _interrupt;
    readonly PosixSignalRegistration _terminate;

    public Interruption(TextWriter errors, CancellationToken linked = default)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        void OnSignal(PosixSignalContext context)
        {
            if (_source.IsCancellationRequested) return; // the second signal: default handling ends the process
            context.Cancel = true;
            errors.WriteLine($"{(context.Signal == PosixSignal.SIGTERM ? "terminated" : "interrupted")}: finishing the step and saving a checkpoint " +
                "(signal again to stop at once; run again to resume)");
            _source.Cancel();
        }
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }
}
