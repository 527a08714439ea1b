using RerankExperiments.Tokenization.Text;

namespace RerankExperiments.Tokenization;

/// <summary>A stretch of text: either plain text for the pipeline, or a matched added token.</summary>
public readonly record struct TextSegment(string Text, int Offset, AddedToken? Token);

/// <summary>
/// Finds added tokens in text, leftmost-longest as tokenizers' Aho-Corasick matcher does, and splits the text
/// around them. Immutable and thread-safe.
/// </summary>
public sealed class AddedVocabulary
{
    readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedVocabulary(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Splits <paramref name="text"/> into plain segments and token matches, in order; empty plain segments are dropped.</summary>
    public void Split(string text, List<TextSegment> output)
    {
        if (IsEmpty) { if (text.Length > 0) output.Add(new TextSegment(text, 0, null)); return; }
        int plainStart = 0;
        int position = 0;
        while (position < text.Length)
        {
            var match = FindAt(text, position);
            if (match is null) { position++; continue; }
            int start = position, end = position + match.Content.Length;
            if (match.LStrip) while (start > plainStart && UnicodeClasses.IsWhitespace(text[start - 1])) start--;
            if (match.RStrip) while (end < text.Length && UnicodeClasses.IsWhitespace(text[end])) end++;
            if (start > plainStart) output.Add(new TextSegment(text[plainStart..start], plainStart, null));
            output.Add(new TextSegment(text[start..end], start, match));
            plainStart = position = end;
        }
        if (plainStart < text.Length) output.Add(new TextSegment(text[plainStart..], plainStart, null));
    }

    AddedToken? FindAt(string text, int position)
    {
        if (!_byFirstChar.TryGetValue(text[position], out var candidates)) return null;
        foreach (var token in candidates)
        {
            if (position + token.Content.Length > text.Length || !text.AsSpan(position, token.Content.Length).SequenceEqual(token.Content)) continue;
            if (token.SingleWord && !(IsBoundary(text, position - 1) && IsBoundary(text, position + token.Content.Length))) continue;
            return token;
        }
        return null;
    }

    static bool IsBoundary(string text, int index) => index < 0 || index >= text.Length || !(char.IsLetterOrDigit(text[index]) || text[index] == '_');
}
