using RerankExperiments.Experiments.Config;

namespace RerankExperiments.Experiments.Sweeps;

/// <summary>
/// Reads the <c>sweep:</c> section. Grid and zip parameters are lists of values
/// (<c>training.learning_rate: [1e-5, 2e-5]</c>); random ones are distributions:
/// <c>{uniform: [low, high]}</c>, <c>{loguniform: [low, high]}</c> (low &gt; 0), <c>{int: [low, high]}</c> (inclusive) or
/// <c>{choice: [a, b, …]}</c>; a plain list in a random sweep is a choice.
/// </summary>
public static class SweepParser
{
    public static readonly IReadOnlyList<string> Methods = ["grid", "random", "zip"];
    static readonly string[] DistributionKinds = ["choice", "uniform", "loguniform", "int"];

    /// <summary>The sweep, or null when the experiment has none (or it is invalid: then <paramref name="errors"/> says why).</summary>
    public static SweepSpec? Parse(ConfigMapping root, List<ConfigError> errors)
    {
        if (root["sweep"] is not { } node || node is ConfigScalar { IsNull: true }) return null;
        int before = errors.Count;
        if (node is not ConfigMapping mapping)
        {
            errors.Add(new ConfigError(node.Mark, "sweep", $"must be a mapping (method, parameters, …), not {node.Kind}."));
            return null;
        }
        var section = new ConfigSection(mapping, "sweep", errors);
        var method = (section.Choice("method", Methods) ?? "grid") switch { "random" => SweepMethod.Random, "zip" => SweepMethod.Zip, _ => SweepMethod.Grid };
        int trials = section.Int("trials", min: 1, max: 100_000) ?? 0;
        long seed = section.Long("seed") ?? 42;
        string? metric = section.String("metric");
        string goal = section.Choice("goal", ["max", "min"]) ?? "max";
        var parameters = new List<SweepParameter>();
        if (section.Node("parameters") is not ConfigMapping parameterMapping)
        {
            if (section.Node("parameters") is { } wrong) section.Error("parameters", $"must be a mapping of setting paths to values, not {wrong.Kind}.");
            else section.Missing("parameters", "map each swept setting to its values, e.g. training.learning_rate: [1e-5, 2e-5].");
        }
        else
        {
            foreach (var (key, value) in parameterMapping.Entries)
                if (ParseParameter(key, value, method, section) is { } parameter) parameters.Add(parameter);
            if (parameterMapping.Entries.Count == 0) section.Error("parameters", "lists no settings to sweep.");
        }
        section.Finish();
        if (method == SweepMethod.Random && trials == 0) section.Missing("trials", "a random sweep needs the number of trials.");
        if (method != SweepMethod.Random && section.Has("trials")) section.Error("trials", $"applies to random sweeps only; a {method.ToString().ToLowerInvariant()} sweep's trials come from its lists.");
        if (method == SweepMethod.Zip && parameters.Count > 0 && parameters.Select(p => p.Values?.Count ?? 0).Distinct().Count() > 1)
            section.Error("parameters", $"a zip sweep needs lists of one length; got {string.Join(", ", parameters.Select(p => $"{p.Path}: {p.Values?.Count ?? 0}"))}.");
        if (errors.Count > before) return null;
        return new SweepSpec(method, parameters, trials, seed, metric, goal == "max");
    }

    static SweepParameter? ParseParameter(ConfigScalar key, ConfigNode value, SweepMethod method, ConfigSection section)
    {
        string path = $"sweep.parameters.{key.Text}";
        if (key.Text.StartsWith("sweep", StringComparison.Ordinal) || key.Text.Split('.').Any(s => s.Length == 0))
        {
            section.Error(key, path, "must be a dotted setting path outside the sweep, like training.learning_rate.");
            return null;
        }
        switch (value)
        {
            case ConfigSequence list when list.Items.Count == 0:
                section.Error(value, path, "lists no values.");
                return null;
            case ConfigSequence list:
                return new SweepParameter(key.Text, key.Mark, list.Items, method == SweepMethod.Random ? new SweepDistribution("choice", 0, 0, list.Items) : null);
            case ConfigMapping distribution when method == SweepMethod.Random:
                return ParseDistribution(key, distribution, section, path);
            case ConfigMapping:
                section.Error(value, path, $"a {method.ToString().ToLowerInvariant()} sweep lists values ([a, b, …]); distributions belong to random sweeps.");
                return null;
            default:
                // A single value is a one-value list: handy to pin a setting in every trial.
                return new SweepParameter(key.Text, key.Mark, [value], method == SweepMethod.Random ? new SweepDistribution("choice", 0, 0, [value]) : null);
        }
    }

    static SweepParameter? ParseDistribution(ConfigScalar key, ConfigMapping distribution, ConfigSection section, string path)
    {
        if (distribution.Entries.Count != 1 || !DistributionKinds.Contains(distribution.Entries[0].Key.Text))
        {
            string typed = distribution.Entries.Count > 0 ? distribution.Entries[0].Key.Text : "";
            section.Error(distribution, path, $"a distribution is one of {{choice: […]}}, {{uniform: [low, high]}}, {{loguniform: [low, high]}}, {{int: [low, high]}}{Suggestions.DidYouMean(typed, DistributionKinds)}.");
            return null;
        }
        var (kindKey, body) = distribution.Entries[0];
        string kind = kindKey.Text;
        string at = $"{path}.{kind}";
        if (body is not ConfigSequence items || items.Items.Count == 0)
        {
            section.Error(body, at, "must be a list.");
            return null;
        }
        if (kind == "choice") return new SweepParameter(key.Text, key.Mark, items.Items, new SweepDistribution(kind, 0, 0, items.Items));
        if (items.Items.Count != 2)
        {
            section.Error(body, at, $"must be [low, high], not {items.Items.Count} value(s).");
            return null;
        }
        double? low = kind == "int" ? section.LongOf(items.Items[0], at + ".0") : section.DoubleOf(items.Items[0], at + ".0", kind == "loguniform" ? 0 : double.NegativeInfinity, minExclusive: kind == "loguniform");
        double? high = kind == "int" ? section.LongOf(items.Items[1], at + ".1") : section.DoubleOf(items.Items[1], at + ".1");
        if (low is null || high is null) return null;
        if (high < low)
        {
            section.Error(body, at, $"high ({high}) is below low ({low}).");
            return null;
        }
        return new SweepParameter(key.Text, key.Mark, null, new SweepDistribution(kind, low.Value, high.Value, null));
    }
}
