using System.Text;

namespace RerankExperiments.Experiments.Config;

/// <summary>
/// Writes a config tree back as YAML: the resolved experiment logged with each run (re-readable, and identical for
/// identical configs, which makes it the input of the config hash), and flow text for values in names and tables.
/// Quoted scalars stay quoted, so a re-read types every value as the original did.
/// </summary>
public static class ConfigYamlWriter
{
    public static string Write(ConfigNode node)
    {
        var text = new StringBuilder();
        WriteBlock(node, text, 0, atLineStart: true);
        return text.ToString();
    }

    /// <summary>One-line YAML (<c>[1, 2]</c>, <c>{a: 1}</c>, a scalar).</summary>
    public static string Flow(ConfigNode node) => node switch
    {
        ConfigScalar scalar => Scalar(scalar),
        ConfigSequence sequence => "[" + string.Join(", ", sequence.Items.Select(Flow)) + "]",
        ConfigMapping mapping => "{" + string.Join(", ", mapping.Entries.Select(e => $"{Key(e.Key.Text)}: {Flow(e.Value)}")) + "}",
        _ => "",
    };

    static void WriteBlock(ConfigNode node, StringBuilder text, int indent, bool atLineStart)
    {
        string pad = new(' ', indent);
        switch (node)
        {
            case ConfigMapping { Entries.Count: > 0 } mapping:
                bool first = true;
                foreach (var (key, value) in mapping.Entries)
                {
                    if (!(first && !atLineStart)) text.Append(pad);
                    first = false;
                    text.Append(Key(key.Text)).Append(':');
                    WriteValue(value, text, indent);
                }
                break;
            case ConfigSequence { Items.Count: > 0 } sequence:
                bool firstItem = true;
                foreach (var item in sequence.Items)
                {
                    if (!(firstItem && !atLineStart)) text.Append(pad);
                    firstItem = false;
                    text.Append("- ");
                    if (item is ConfigMapping { Entries.Count: > 0 } or ConfigSequence { Items.Count: > 0 }) WriteBlock(item, text, indent + 2, atLineStart: false);
                    else text.Append(Flow(item)).Append('\n');
                }
                break;
            default:
                text.Append(Flow(node)).Append('\n');
                break;
        }
    }

    static void WriteValue(ConfigNode value, StringBuilder text, int indent)
    {
        switch (value)
        {
            case ConfigMapping { Entries.Count: > 0 }:
                text.Append('\n');
                WriteBlock(value, text, indent + 2, atLineStart: true);
                break;
            case ConfigSequence { Items.Count: > 0 } sequence when sequence.Items.All(i => i is ConfigScalar):
                text.Append(' ').Append(Flow(value)).Append('\n');
                break;
            case ConfigSequence { Items.Count: > 0 }:
                text.Append('\n');
                WriteBlock(value, text, indent + 2, atLineStart: true);
                break;
            default:
                text.Append(' ').Append(Flow(value)).Append('\n');
                break;
        }
    }

    static string Key(string key) => NeedsQuotes(key) ? Quote(key) : key;

    static string Scalar(ConfigScalar scalar)
    {
        if (scalar.IsNull) return "null";
        return scalar.Plain && !NeedsQuotes(scalar.Text) ? scalar.Text : Quote(scalar.Text);
    }

    /// <summary>Text that would not read back as the same plain scalar.</summary>
    static bool NeedsQuotes(string text) =>
        text.Length == 0 || text != text.Trim() || "-?:,[]{}#&*!|>'\"%@`".Contains(text[0])
        || text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal) || text.EndsWith(':')
        || text.Any(c => c is '\n' or '\r' or '\t' || char.IsControl(c)) || text.Contains(',') || text.Contains('[') || text.Contains(']')
        || text.Contains('{') || text.Contains('}');

    static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return quoted.Append('"').ToString();
    }
}
