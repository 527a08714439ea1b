using System.Text;
using System.Text.RegularExpressions;

namespace RerankExperiments.Hub;

/// <summary>
/// Glob patterns over repo paths with Python fnmatch meaning, as huggingface_hub's allow_patterns use them:
/// '*' matches any run of characters including '/', '?' one character, '[…]' a class; "dir/" means "dir/*".
/// </summary>
internal static class FilePattern
{
    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    public static bool IsMatch(string pattern, string path) => ToRegex(pattern).IsMatch(path);

    private static Regex ToRegex(string pattern)
    {
        if (pattern.EndsWith('/'))
            pattern += "*";
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    regex.Append(".*");
                    break;
                case '?':
                    regex.Append('.');
                    break;
                case '[' when pattern.IndexOf(']', i + 2) is var end and > 0:
                    var body = pattern[(i + 1)..end];
                    regex.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                    i = end;
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
