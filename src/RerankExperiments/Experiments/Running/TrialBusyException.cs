namespace RerankExperiments.Experiments.Running;

/// <summary>Another process is running this trial (it holds the trial folder's lock).</summary>
public sealed class TrialBusyException(string trialDirectory, Exception inner)
    : Exception($"{trialDirectory} is in use by another process running the same trial (it holds {TrialLock.FileName}). " +
        "Wait for it to end, or stop it; a trial folder takes one process at a time.", inner);
