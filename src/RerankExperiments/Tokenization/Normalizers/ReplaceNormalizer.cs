using System.Text;
using System.Text.RegularExpressions;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>
/// <c>{"type":"Replace","pattern":{"String": s} | {"Regex": r},"content": c}</c>: every non-overlapping match,
/// left to right, is replaced by <c>content</c> taken literally (no <c>$1</c> substitution). A String pattern is
/// matched literally (an empty one matches at every character boundary, ends included, as the escaped empty
/// regex does in tokenizers). Empty text is left alone (tokenizers reports no match in an empty string).
/// <para>
/// tokenizers compiles the pattern with Oniguruma (Ruby syntax); this uses .NET's engine, culture-invariant.
/// The literal patterns and simple classes tokenizer files use (<c>" {2,}"</c>, <c>"\s+"</c>, character sets)
/// behave the same. Known differences: Oniguruma-only syntax (possessive <c>*+</c>, <c>\h</c>, <c>\K</c>,
/// <c>\g&lt;name&gt;</c>) fails to compile here and is reported as a format error; <c>\s</c>, <c>\w</c> and
/// <c>\d</c> have slightly different Unicode sets; <c>.</c> and positions count UTF-16 units, not code points.
/// Empty matches follow the Rust/Oniguruma iterator: an empty match right where the previous match ended is
/// skipped, and none falls between the two halves of a surrogate pair.
/// </para>
/// </summary>
public sealed class ReplaceNormalizer : INormalizer
{
    readonly Regex regex;
    readonly string content;

    public ReplaceNormalizer(Regex regex, string content)
    {
        this.regex = regex;
        this.content = content;
    }

    public static ReplaceNormalizer FromJson(TokenizerJson json)
    {
        var pattern = json.Required("pattern");
        string content = json.String("content");
        var members = pattern.Members().ToList();
        if (members.Count != 1) throw pattern.Error("expected exactly one of \"String\" or \"Regex\".");
        var (kind, value) = members[0];
        string source = kind switch
        {
            "String" => Regex.Escape(value.AsString()),
            "Regex" => value.AsString(),
            _ => throw pattern.Error($"unknown pattern kind '{kind}' (expected \"String\" or \"Regex\")."),
        };
        try
        {
            return new ReplaceNormalizer(new Regex(source, RegexOptions.CultureInvariant | RegexOptions.Compiled), content);
        }
        catch (ArgumentException e)
        {
            throw value.Error($"is not a regular expression .NET accepts: {e.Message}");
        }
    }

    public string Normalize(string text)
    {
        if (text.Length == 0) return text;
        StringBuilder? output = null;
        int copied = 0;
        int lastEnd = -1;
        for (var match = regex.Match(text); match.Success; match = match.NextMatch())
        {
            int start = match.Index, end = match.Index + match.Length;
            if (match.Length == 0 && (start == lastEnd || (start > 0 && start < text.Length && char.IsLowSurrogate(text[start]) && char.IsHighSurrogate(text[start - 1]))))
                continue;
            output ??= new StringBuilder(text.Length + content.Length);
            output.Append(text, copied, start - copied).Append(content);
            copied = end;
            lastEnd = end;
        }
        if (output is null) return text;
        output.Append(text, copied, text.Length - copied);
        return output.ToString();
    }
}
