using RerankExperiments.Scaling;

namespace RerankExperiments.Tests.Scaling;

/// <summary>A scheduler that records what was submitted and answers states from a table (for tests without Slurm).</summary>
public sealed class FakeSlurm : ISlurmScheduler
{
    int _next = 100;

    public List<(string Script, string Export, string? AfterAny, string JobId)> Submitted { get; } = [];

    public Dictionary<string, string> States { get; } = new(StringComparer.Ordinal);

    public string Submit(string script, string export, string? afterAny = null)
    {
        string id = (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Submitted.Add((script, export, afterAny, id));
        return id;
    }

    IReadOnlyDictionary<string, string> ISlurmScheduler.States(IReadOnlyCollection<string> jobIds) =>
        States.Where(s => jobIds.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value);
}
