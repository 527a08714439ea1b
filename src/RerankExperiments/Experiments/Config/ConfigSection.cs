using System.Globalization;

namespace RerankExperiments.Experiments.Config;

/// <summary>
/// Reads one mapping of an experiment into typed values, collecting every problem instead of stopping at the first:
/// wrong types, out-of-range numbers, unknown names, missing files, and (from <see cref="Finish"/>) keys nobody asked
/// for, with a "did you mean". A getter returns null when the key is absent or its value is bad (the error is then
/// recorded), so binding continues and reports everything at once.
/// </summary>
public sealed class ConfigSection
{
    readonly ConfigMapping _mapping;
    readonly List<ConfigError> _errors;
    readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public ConfigSection(ConfigMapping mapping, string path, List<ConfigError> errors)
    {
        _mapping = mapping;
        Path = path;
        _errors = errors;
    }

    /// <summary>The dotted path of this mapping ("" for the root).</summary>
    public string Path { get; }

    public SourceMark Mark => _mapping.Mark;

    /// <summary>Whether the key is present with a non-null value (and marks it known).</summary>
    public bool Has(string key)
    {
        _known.Add(key);
        return _mapping[key] is { } node && node is not ConfigScalar { IsNull: true };
    }

    /// <summary>The raw node of a key (marked known); null when absent or null.</summary>
    public ConfigNode? Node(string key)
    {
        _known.Add(key);
        return _mapping[key] is { } node && node is not ConfigScalar { IsNull: true } ? node : null;
    }

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void Error(string key, string message) => _errors.Add(new ConfigError(_mapping[key]?.Mark ?? _mapping.Mark, KeyPath(key), message));

    public void Error(ConfigNode node, string path, string message) => _errors.Add(new ConfigError(node.Mark, path, message));

    /// <summary>A required key that is absent: an error at the mapping.</summary>
    public void Missing(string key, string hint) => _errors.Add(new ConfigError(_mapping.Mark, KeyPath(key), $"is required; {hint}"));

    public string? String(string key, bool required = false, string? hint = null)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required) Missing(key, hint ?? "give a value.");
            return null;
        }
        if (node is ConfigScalar scalar) return scalar.Text;
        Error(key, $"must be a value, not {node.Kind}.");
        return null;
    }

    /// <summary>One of <paramref name="allowed"/> (exact), else an error listing them with a suggestion.</summary>
    public string? Choice(string key, IReadOnlyCollection<string> allowed, bool required = false)
    {
        string? value = String(key, required, $"one of {string.Join(", ", allowed)}.");
        if (value is null || allowed.Contains(value)) return value;
        Error(key, $"'{value}' is not one of {string.Join(", ", allowed)}{Suggestions.DidYouMean(value, allowed)}.");
        return null;
    }

    public bool? Bool(string key)
    {
        if (String(key) is not { } text) return null;
        switch (text)
        {
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            default:
                Error(key, $"must be true or false, not '{text}'.");
                return null;
        }
    }

    public long? Long(string key, long min = long.MinValue, long max = long.MaxValue, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required) Missing(key, "give a whole number.");
            return null;
        }
        return LongOf(node, KeyPath(key), min, max);
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue, bool required = false) =>
        Long(key, min, max, required) is { } value ? (int)value : null;

    public double? Double(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minExclusive = false, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required) Missing(key, "give a number.");
            return null;
        }
        return DoubleOf(node, KeyPath(key), min, max, minExclusive);
    }

    /// <summary>A whole number from any node (for list items), range-checked.</summary>
    public long? LongOf(ConfigNode node, string path, long min = long.MinValue, long max = long.MaxValue)
    {
        if (node is not ConfigScalar scalar || !scalar.Plain || !long.TryParse(scalar.Text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            Error(node, path, $"must be a whole number, not {Describe(node)}.");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, path, $"is {value}; must be {Range(min, max)}.");
            return null;
        }
        return value;
    }

    /// <summary>A number from any node (for list items), range-checked; YAML's .inf/.nan are rejected as not finite.</summary>
    public double? DoubleOf(ConfigNode node, string path, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minExclusive = false)
    {
        if (node is not ConfigScalar scalar || !scalar.Plain || !TryParseNumber(scalar.Text, out double value))
        {
            Error(node, path, $"must be a number, not {Describe(node)}.");
            return null;
        }
        if (!double.IsFinite(value))
        {
            Error(node, path, $"is {scalar.Text}; must be a finite number.");
            return null;
        }
        if (value < min || value > max || (minExclusive && value == min))
        {
            Error(node, path, $"is {scalar.Text}; must be {(minExclusive ? $"> {Show(min)}" : "")}{(minExclusive && !double.IsPositiveInfinity(max) ? " and " : "")}{RangeText(min, max, minExclusive)}.");
            return null;
        }
        return value;
    }

    /// <summary>A number as YAML 1.2 writes it (1e-5, 3.0E+2, .5, .inf, .nan) with InvariantCulture.</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf": value = double.PositiveInfinity; return true;
            case "-.inf" or "-.Inf" or "-.INF": value = double.NegativeInfinity; return true;
            case ".nan" or ".NaN" or ".NAN": value = double.NaN; return true;
        }
        if (text.Length == 0 || !(char.IsDigit(text[^1]) || text[^1] == '.')) { value = 0; return false; }
        return double.TryParse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A nested mapping; an error when the key holds something else.</summary>
    public ConfigSection? Section(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required) Missing(key, "add this section.");
            return null;
        }
        if (node is ConfigMapping mapping) return new ConfigSection(mapping, KeyPath(key), _errors);
        Error(key, $"must be a mapping (key: value lines), not {Describe(node)}.");
        return null;
    }

    /// <summary>A list of mappings (a single mapping counts as a list of one).</summary>
    public IReadOnlyList<ConfigSection>? SectionList(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null: return null;
            case ConfigMapping one: return [new ConfigSection(one, KeyPath(key), _errors)];
            case ConfigSequence list:
                var sections = new List<ConfigSection>();
                for (int i = 0; i < list.Items.Count; i++)
                {
                    if (list.Items[i] is ConfigMapping item) sections.Add(new ConfigSection(item, $"{KeyPath(key)}.{i}", _errors));
                    else Error(list.Items[i], $"{KeyPath(key)}.{i}", $"must be a mapping, not {Describe(list.Items[i])}.");
                }
                return sections;
            default:
                Error(key, $"must be a list of mappings, not {Describe(node)}.");
                return null;
        }
    }

    /// <summary>A list of values (a single value counts as a list of one).</summary>
    public IReadOnlyList<ConfigScalar>? ScalarList(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null: return null;
            case ConfigScalar one: return [one];
            case ConfigSequence list when list.Items.All(i => i is ConfigScalar): return list.Items.Cast<ConfigScalar>().ToList();
            default:
                Error(key, $"must be a value or a list of values, not {Describe(node)}.");
                return null;
        }
    }

    /// <summary>A path to an existing file or folder (relative to the working directory); Hub ids and hf: data pass through.</summary>
    public string? ExistingPath(string key, bool required = false, bool allowHub = false)
    {
        string? path = String(key, required, "give a file path.");
        if (path is null) return null;
        if (File.Exists(path) || Directory.Exists(path)) return path;
        if (allowHub && LooksLikeHubName(path)) return path;
        Error(key, $"'{path}' does not exist (relative paths are read from {Environment.CurrentDirectory}).");
        return null;
    }

    /// <summary>hf:org/name[:split], or org/name[@revision] (one slash, no path-like parts).</summary>
    public static bool LooksLikeHubName(string text)
    {
        if (text.StartsWith("hf:", StringComparison.Ordinal)) return text.Length > 3;
        string name = text.Split('@')[0];
        var parts = name.Split('/');
        return parts.Length == 2 && parts.All(p => p.Length > 0 && p != "." && p != ".." && p.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'));
    }

    /// <summary>Reports keys no getter asked for, each with the closest known key.</summary>
    public void Finish()
    {
        foreach (var (key, _) in _mapping.Entries)
            if (!_known.Contains(key.Text))
                _errors.Add(new ConfigError(key.Mark, KeyPath(key.Text), $"unknown key{Suggestions.DidYouMean(key.Text, _known)}; {(Path.Length == 0 ? "sections" : "keys")} here: {string.Join(", ", _known.Order())}."));
    }

    /// <summary>A short description of a node for type errors.</summary>
    public static string Describe(ConfigNode node) => node switch
    {
        ConfigScalar { IsNull: true } => "null",
        ConfigScalar scalar => $"'{(scalar.Text.Length > 40 ? scalar.Text[..40] + "…" : scalar.Text)}'",
        _ => node.Kind,
    };

    static string Range(long min, long max) =>
        // int-sized bounds count as unbounded too: Int passes its defaults through.
        (min is long.MinValue or int.MinValue, max is long.MaxValue or int.MaxValue) switch
        {
            (true, true) => "a whole number",
            (false, true) => $"≥ {min}",
            (true, false) => $"≤ {max}",
            _ => $"between {min} and {max}",
        };

    static string RangeText(double min, double max, bool minExclusive) =>
        (double.IsNegativeInfinity(min) || minExclusive, double.IsPositiveInfinity(max)) switch
        {
            (true, true) => minExclusive ? "" : "finite",
            (false, true) => $"≥ {Show(min)}",
            (true, false) => $"≤ {Show(max)}",
            _ => $"between {Show(min)} and {Show(max)}",
        };

    static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
