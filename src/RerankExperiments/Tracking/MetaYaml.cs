using System.Globalization;
using System.Text;

namespace RerankExperiments.Tracking;

/// <summary>
/// The YAML subset MLflow's FileStore writes in meta.yaml (PyYAML <c>safe_dump</c> of a flat mapping): one
/// <c>key: scalar</c> per line, keys sorted, strings that would read as another type quoted. Reading accepts what
/// PyYAML writes for such files, including long values folded onto indented continuation lines.
/// </summary>
internal static class MetaYaml
{
    /// <summary>The value written as YAML <c>[]</c> (MLflow's legacy <c>tags: []</c>).</summary>
    public static readonly string[] EmptyList = [];

    /// <summary>
    /// A mapping as text. Values: null, an integer (long or int), a string, or <see cref="EmptyList"/>. Keys are
    /// sorted ordinally, as PyYAML sorts them, so files diff cleanly against MLflow's.
    /// </summary>
    public static string Write(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append(": ").Append(value switch
            {
                null => "null",
                long number => number.ToString(CultureInfo.InvariantCulture),
                int number => number.ToString(CultureInfo.InvariantCulture),
                string[] { Length: 0 } => "[]",
                string s => Scalar(s),
                _ => throw new ArgumentException($"meta.yaml value for '{key}' has unsupported type {value.GetType().Name}"),
            }).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Key → value (null for YAML null; <c>[]</c> kept as the text "[]"). Unknown shapes are skipped.</summary>
    public static Dictionary<string, string?> Read(string text)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? key = null;
        var raw = new StringBuilder();
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && key is not null)
            {
                // A folded continuation of the previous value: PyYAML joins folded lines with one space.
                raw.Append(' ').Append(line.Trim());
                continue;
            }
            Flush();
            if (line.Length == 0 || line[0] is '#' or '-') continue;
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && line.EndsWith(':')) colon = line.Length - 1;
            if (colon <= 0) continue;
            key = line[..colon].Trim();
            raw.Append(colon + 1 < line.Length ? line[(colon + 1)..].Trim() : "");
        }
        Flush();
        return fields;

        void Flush()
        {
            if (key is not null) fields[key] = ParseScalar(raw.ToString());
            key = null;
            raw.Clear();
        }
    }

    /// <summary>A string as PyYAML would need it: plain when it cannot be read as anything else, else quoted.</summary>
    internal static string Scalar(string value)
    {
        if (IsPlainSafe(value)) return value;
        if (value.Any(char.IsControl))
        {
            var escaped = new StringBuilder("\"");
            foreach (char c in value)
            {
                escaped.Append(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                    _ => c.ToString(),
                });
            }
            return escaped.Append('"').ToString();
        }
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    static bool IsPlainSafe(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] is '_' or '/')) return false;
        if (value.EndsWith(':')) return false;
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or '-' or ':' or '+' or '@')) return false;
        // YAML 1.1 (PyYAML) reads these words as booleans or null.
        return value.ToLowerInvariant() is not ("null" or "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n");
    }

    static string? ParseScalar(string raw)
    {
        if (raw.Length == 0 || raw is "null" or "~" or "Null" or "NULL") return null;
        if (raw[0] == '\'' && raw.Length >= 2 && raw[^1] == '\'')
            return raw[1..^1].Replace("''", "'", StringComparison.Ordinal);
        if (raw[0] == '"' && raw.Length >= 2 && raw[^1] == '"')
            return UnescapeDoubleQuoted(raw[1..^1]);
        return raw;
    }

    static string UnescapeDoubleQuoted(string body)
    {
        var text = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 >= body.Length)
            {
                text.Append(c);
                continue;
            }
            char next = body[++i];
            switch (next)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case '0': text.Append('\0'); break;
                case 'u' when i + 4 < body.Length:
                    text.Append((char)int.Parse(body.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: text.Append(next); break;
            }
        }
        return text.ToString();
    }
}
