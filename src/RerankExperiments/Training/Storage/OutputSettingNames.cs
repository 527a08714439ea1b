namespace RerankExperiments.Training.Storage;

/// <summary>
/// How the user names the settings a storage error asks them to change: YAML keys for experiments
/// (<see cref="Experiment"/>), command-line options for <c>rerank train</c> (<see cref="CommandLine"/>).
/// </summary>
public sealed record OutputSettingNames(string Folder, string SaveTotalLimit)
{
    public static readonly OutputSettingNames Experiment = new("output.dir", "training.save_total_limit");

    public static readonly OutputSettingNames CommandLine = new("--output", "--save-total-limit");
}
