namespace RerankExperiments.Experiments.Config;

/// <summary>
/// An experiment file as a tree that remembers where every value came from, so that each error can name its file,
/// line and column, even after <c>extends</c>, <c>--set</c> and sweep values have been merged in. Nodes are immutable:
/// merging builds new mappings and shares the rest.
/// </summary>
public abstract record ConfigNode(SourceMark Mark)
{
    /// <summary>What the node is, for type errors ("a mapping", "a list", "a value").</summary>
    public abstract string Kind { get; }
}

/// <summary>A YAML scalar: its text, and whether it was plain (unquoted: typed by YAML's core schema) or quoted (a string).</summary>
public sealed record ConfigScalar(string Text, bool Plain, SourceMark Mark) : ConfigNode(Mark)
{
    public override string Kind => "a value";

    /// <summary>YAML's null: an unquoted empty value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => Plain && Text is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>A YAML sequence.</summary>
public sealed record ConfigSequence(IReadOnlyList<ConfigNode> Items, SourceMark Mark) : ConfigNode(Mark)
{
    public override string Kind => "a list";
}

/// <summary>A YAML mapping with string keys, in file order; keys are unique.</summary>
public sealed record ConfigMapping(IReadOnlyList<KeyValuePair<ConfigScalar, ConfigNode>> Entries, SourceMark Mark) : ConfigNode(Mark)
{
    public override string Kind => "a mapping";

    public ConfigNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Text == key).Value;

    public IEnumerable<string> Keys => Entries.Select(e => e.Key.Text);

    /// <summary>This mapping with <paramref name="key"/> set to <paramref name="value"/> (replaced in place, or appended).</summary>
    public ConfigMapping With(ConfigScalar key, ConfigNode value)
    {
        var entries = Entries.ToList();
        int index = entries.FindIndex(e => e.Key.Text == key.Text);
        if (index >= 0) entries[index] = new(entries[index].Key, value);
        else entries.Add(new(key, value));
        return this with { Entries = entries };
    }

    /// <summary>This mapping without <paramref name="key"/>.</summary>
    public ConfigMapping Without(string key) => this with { Entries = Entries.Where(e => e.Key.Text != key).ToList() };
}
