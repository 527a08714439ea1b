namespace RerankExperiments.Tokenization;

/// <summary>Which side of a pair gives up tokens when it is too long.</summary>
public enum TruncationStrategy
{
    /// <summary>Take from the longer sequence first (tokenizers' exact split; see <see cref="Truncation"/>).</summary>
    LongestFirst,
    /// <summary>Take only from the first sequence (the query, for a cross-encoder).</summary>
    OnlyFirst,
    /// <summary>Take only from the second sequence (the passage).</summary>
    OnlySecond,
}

/// <summary>Which end of a sequence tokens are removed from.</summary>
public enum TruncationDirection { Right, Left }

/// <summary>Truncation to <see cref="MaxLength"/> tokens, special tokens included.</summary>
public sealed record TruncationOptions(int MaxLength, TruncationStrategy Strategy = TruncationStrategy.LongestFirst, TruncationDirection Direction = TruncationDirection.Right)
{
    /// <summary>Parses longest_first, only_first, only_second.</summary>
    public static TruncationStrategy ParseStrategy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "longest_first" or "longestfirst" => TruncationStrategy.LongestFirst,
        "only_first" or "onlyfirst" => TruncationStrategy.OnlyFirst,
        "only_second" or "onlysecond" => TruncationStrategy.OnlySecond,
        _ => throw new FormatException($"Unknown truncation strategy '{text}': use longest_first, only_first or only_second."),
    };
}
