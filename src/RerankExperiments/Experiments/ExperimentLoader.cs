using System.Security.Cryptography;
using System.Text;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Experiments.Sweeps;

namespace RerankExperiments.Experiments;

/// <summary>
/// Turns an experiment file into an <see cref="ExperimentPlan"/> before any work starts: YAML read with positions,
/// <c>extends</c> and <c>--set</c> applied, the sweep expanded, and every trial's config bound and validated. All
/// problems of all trials are reported together (an error shared by several trials once), each with file:line:column;
/// any problem throws <see cref="ExperimentConfigException"/>.
/// </summary>
public static class ExperimentLoader
{
    /// <summary>Top-level sections that do not change what a trial computes: left out of its config hash.</summary>
    static readonly string[] NotHashed = ["sweep", "tracking", "description"];

    /// <param name="path">The experiment file.</param>
    /// <param name="overrides">--set assignments, applied in order.</param>
    /// <param name="environment">Environment lookup (MLFLOW_TRACKING_URI); the process's when null.</param>
    /// <param name="baseDirectory">Where the experiment's relative paths are read from; the current directory when null
    /// (see <see cref="ConfigPaths"/>: hashes and params keep the paths as written).</param>
    public static ExperimentPlan Load(string path, IEnumerable<string>? overrides = null, Func<string, string?>? environment = null,
        string? baseDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var root = (ConfigMapping)ExperimentFiles.Load(path, overrides);
        var errors = new List<ConfigError>();
        var sweep = SweepParser.Parse(root, errors);
        if (errors.Count > 0) throw new ExperimentConfigException(errors);

        string name = root["name"] is ConfigScalar { IsNull: false } n ? n.Text : Path.GetFileNameWithoutExtension(path);
        var trials = new List<TrialPlan>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trial in SweepExpander.Expand(name, sweep))
        {
            ConfigNode resolved = root;
            var trialErrors = new List<ConfigError>();
            foreach (var assignment in trial.Assignments)
            {
                try { resolved = ConfigMerge.Set(resolved, assignment.Path, assignment.Value, assignment.Value.Mark); }
                catch (ExperimentConfigException error) { trialErrors.AddRange(error.Errors); }
            }
            var spec = trialErrors.Count == 0 ? ExperimentSchema.Bind((ConfigMapping)(baseDirectory is null ? resolved : ConfigPaths.Absolutize(resolved, baseDirectory)), trialErrors, environment) : null;
            foreach (var error in trialErrors)
                if (seen.Add(error.ToString())) errors.Add(sweep is null ? error : error with { Message = $"{error.Message} [trial {trial.Index}: {trial.Name}]" });
            if (spec is not null) trials.Add(new TrialPlan(trial.Index, trial.Name, trial.Assignments, spec, WithoutSecrets(resolved), Hash((ConfigMapping)resolved)));
        }
        if (errors.Count > 0) throw new ExperimentConfigException(errors);
        // The sweep's identity: the whole experiment, sweep included (it finds the parent run again on a re-run).
        string sweepHash = Digest(root with { Entries = root.Entries.Where(e => e.Key.Text is not "tracking" and not "description").ToList() });
        return new ExperimentPlan(path, trials[0].Spec, sweep, trials, sweepHash);
    }

    /// <summary>
    /// The resolved config as it is logged (params, config.yml): a password in tracking.uri masked. The spec keeps the
    /// real URI, which opens the store; the hash leaves tracking out, so masking changes no trial's identity.
    /// </summary>
    static ConfigNode WithoutSecrets(ConfigNode resolved)
    {
        if (resolved is not ConfigMapping { } root || root["tracking"] is not ConfigMapping tracking || tracking["uri"] is not ConfigScalar { IsNull: false } uri) return resolved;
        string redacted = Tracking.UriSecrets.Redact(uri.Text);
        return redacted == uri.Text ? resolved : ConfigMerge.Set(resolved, "tracking.uri", uri with { Text = redacted, Plain = false }, uri.Mark);
    }

    /// <summary>SHA-256 (hex, 16 characters) of the canonical YAML of the config without the sections that do not change results.</summary>
    public static string Hash(ConfigMapping config) =>
        Digest(config with { Entries = config.Entries.Where(e => !NotHashed.Contains(e.Key.Text)).ToList() });

    static string Digest(ConfigMapping config) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ConfigYamlWriter.Write(config))))[..16];
}
