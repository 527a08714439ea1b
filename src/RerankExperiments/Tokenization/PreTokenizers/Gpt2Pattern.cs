using System.Globalization;
using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// The matches of GPT-2's pattern <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// as Oniguruma finds them, scanned by code point: every character is a letter, a number, White_Space or "other",
/// so a match starts at every position the previous one ended. The optional prefix is the ASCII space only.
/// </summary>
internal static class Gpt2Pattern
{
    enum Kind { Letter, Number, Space, Other }

    static Kind KindOf(int cp)
    {
        if (UnicodeClasses.IsWhitespace(cp)) return Kind.Space;
        var category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (SplitClasses.IsLetter(category)) return Kind.Letter;
        return SplitClasses.IsNumber(category) ? Kind.Number : Kind.Other;
    }

    /// <summary>The match ranges (UTF-16 indices) covering <paramref name="text"/>, in order.</summary>
    public static List<(int Start, int End)> Matches(string text)
    {
        var matches = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            matches.Add((i, end));
            i = end;
        }
        return matches;
    }

    static int MatchAt(string text, int i)
    {
        char c = text[i];
        if (c == '\'' && i + 1 < text.Length)
        {
            // The contractions come first in the alternation and are case-sensitive.
            char a = text[i + 1];
            if (a is 's' or 't' or 'm' or 'd') return i + 2;
            if (i + 2 < text.Length)
            {
                char b = text[i + 2];
                if (a == 'r' && b == 'e' || a == 'v' && b == 'e' || a == 'l' && b == 'l') return i + 3;
            }
        }

        var (cp, _) = SplitClasses.At(text, i);
        var kind = KindOf(cp);
        int start = i;
        if (c == ' ' && i + 1 < text.Length)
        {
            // " ?X+" for letters, numbers and others: the space joins the run that follows it.
            var (nextCp, _) = SplitClasses.At(text, i + 1);
            var nextKind = KindOf(nextCp);
            if (nextKind != Kind.Space) { kind = nextKind; start = i + 1; }
        }
        if (kind != Kind.Space) return RunEnd(text, start, kind);

        // \s+(?!\S): a whitespace run that reaches the end, or the run minus its last character when text follows;
        // if that leaves nothing (a single whitespace before text), \s+ takes the one character.
        int runEnd = RunEnd(text, i, Kind.Space);
        if (runEnd == text.Length) return runEnd;
        int lastStart = runEnd - 1;
        if (char.IsLowSurrogate(text[lastStart]) && lastStart > i && char.IsHighSurrogate(text[lastStart - 1])) lastStart--;
        return lastStart > i ? lastStart : runEnd;
    }

    static int RunEnd(string text, int i, Kind kind)
    {
        while (i < text.Length)
        {
            var (cp, length) = SplitClasses.At(text, i);
            if (KindOf(cp) != kind) break;
            i += length;
        }
        return i;
    }
}
