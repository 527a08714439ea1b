using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>What a splitting pre-tokenizer does with the parts its pattern matches (tokenizers' <c>SplitDelimiterBehavior</c>).</summary>
public enum SplitDelimiterBehavior
{
    /// <summary>Matches are dropped.</summary>
    Removed,
    /// <summary>Each match is a piece of its own.</summary>
    Isolated,
    /// <summary>A match is appended to the piece before it (a match right after a match stays separate).</summary>
    MergedWithPrevious,
    /// <summary>A match is prepended to the piece after it (a match right before a match stays separate).</summary>
    MergedWithNext,
    /// <summary>Consecutive matches form one piece, as do consecutive non-matches.</summary>
    Contiguous,
}

/// <summary>One part of a text as a pattern cuts it: UTF-16 range and whether the pattern matched it.</summary>
internal readonly record struct Segment(int Start, int End, bool IsMatch);

/// <summary>
/// The splitting shared by the pattern pre-tokenizers, following tokenizers' <c>NormalizedString::split</c>: the
/// segments cover the text in order; the behaviour groups them; empty pieces are dropped. A sub-piece is at the
/// start only when it begins where the parent piece began and the parent was at the start (tokenizers tests the
/// original offset 0).
/// </summary>
internal static class SplitDelimiter
{
    /// <summary>Reads a <c>behavior</c> value; <paramref name="fallback"/> when absent, an error when absent and no fallback.</summary>
    public static SplitDelimiterBehavior Read(TokenizerJson json, string name, SplitDelimiterBehavior? fallback)
    {
        // Required throws the located "is missing" error when there is no fallback.
        var value = fallback is null ? json.Required(name) : json.Optional(name);
        if (value is null) return fallback!.Value;
        string text = value.Value.AsString();
        return text switch
        {
            "Removed" => SplitDelimiterBehavior.Removed,
            "Isolated" => SplitDelimiterBehavior.Isolated,
            "MergedWithPrevious" => SplitDelimiterBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitDelimiterBehavior.MergedWithNext,
            "Contiguous" => SplitDelimiterBehavior.Contiguous,
            _ => throw value.Value.Error($"unknown split behavior '{text}' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)"),
        };
    }

    /// <summary>Segments where every code point satisfying <paramref name="isMatch"/> is a match of its own.</summary>
    public static List<Segment> MatchCodePoints(string text, Func<int, bool> isMatch)
    {
        var segments = new List<Segment>();
        int last = 0;
        for (int i = 0; i < text.Length;)
        {
            var (cp, length) = SplitClasses.At(text, i);
            if (isMatch(cp))
            {
                if (last < i) segments.Add(new Segment(last, i, false));
                segments.Add(new Segment(i, i + length, true));
                last = i + length;
            }
            i += length;
        }
        if (last < text.Length) segments.Add(new Segment(last, text.Length, false));
        return segments;
    }

    /// <summary>Segments from match ranges (ordered, non-overlapping), with the gaps between them as non-matches.</summary>
    public static List<Segment> FromMatches(string text, IEnumerable<(int Start, int End)> matches)
    {
        var segments = new List<Segment>();
        int previous = 0;
        foreach (var (start, end) in matches)
        {
            if (previous != start) segments.Add(new Segment(previous, start, false));
            segments.Add(new Segment(start, end, true));
            previous = end;
        }
        if (previous != text.Length) segments.Add(new Segment(previous, text.Length, false));
        return segments;
    }

    /// <summary>Swaps match and non-match (the <c>invert</c> option, and Whitespace's word pattern).</summary>
    public static List<Segment> Invert(List<Segment> segments)
    {
        for (int i = 0; i < segments.Count; i++) segments[i] = segments[i] with { IsMatch = !segments[i].IsMatch };
        return segments;
    }

    /// <summary>Groups <paramref name="segments"/> of <paramref name="piece"/> by <paramref name="behavior"/> and appends the non-empty pieces.</summary>
    public static void Apply(Piece piece, List<Segment> segments, SplitDelimiterBehavior behavior, List<Piece> output)
    {
        // (start, end, removed) in text order.
        var splits = new List<(int Start, int End, bool Removed)>(segments.Count);
        switch (behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                foreach (var s in segments) splits.Add((s.Start, s.End, false));
                break;
            case SplitDelimiterBehavior.Removed:
                foreach (var s in segments) splits.Add((s.Start, s.End, s.IsMatch));
                break;
            case SplitDelimiterBehavior.Contiguous:
            {
                bool previousMatch = false;
                foreach (var s in segments)
                {
                    // The first segment always opens a piece, whatever its kind (tokenizers starts with "previous = no match").
                    if (s.IsMatch == previousMatch && splits.Count > 0) splits[^1] = (splits[^1].Start, s.End, false);
                    else splits.Add((s.Start, s.End, false));
                    previousMatch = s.IsMatch;
                }
                break;
            }
            case SplitDelimiterBehavior.MergedWithPrevious:
            {
                bool previousMatch = false;
                foreach (var s in segments)
                {
                    if (s.IsMatch && !previousMatch && splits.Count > 0) splits[^1] = (splits[^1].Start, s.End, false);
                    else splits.Add((s.Start, s.End, false));
                    previousMatch = s.IsMatch;
                }
                break;
            }
            case SplitDelimiterBehavior.MergedWithNext:
            {
                // Mirror image of MergedWithPrevious: walk backwards, extending the following piece's start.
                bool previousMatch = false;
                for (int i = segments.Count - 1; i >= 0; i--)
                {
                    var s = segments[i];
                    if (s.IsMatch && !previousMatch && splits.Count > 0) splits[^1] = (s.Start, splits[^1].End, false);
                    else splits.Add((s.Start, s.End, false));
                    previousMatch = s.IsMatch;
                }
                splits.Reverse();
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(behavior));
        }

        foreach (var (start, end, removed) in splits)
        {
            if (removed || end <= start) continue;
            output.Add(new Piece(piece.Text[start..end], piece.AtStart && start == 0));
        }
    }
}
