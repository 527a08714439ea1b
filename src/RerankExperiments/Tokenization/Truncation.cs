namespace RerankExperiments.Tokenization;

/// <summary>
/// How many tokens of each sequence survive truncation, as tokenizers computes it. The budget is max_length minus
/// the special tokens the post-processor adds. LongestFirst, with n₁ ≤ n₂ the shorter and longer lengths: the
/// longer keeps max(n₁, budget − n₁) (n₁ if n₁ exceeds the budget); if they still do not fit, the shorter keeps
/// ⌊budget/2⌋ and the longer ⌊budget/2⌋ + budget mod 2 (equal lengths: the first is the "shorter").
/// OnlyFirst/OnlySecond take everything from one side and fail if that side would be left with nothing.
/// </summary>
public static class Truncation
{
    /// <summary>Kept lengths of the first and second sequences (second is 0 for a single sequence).</summary>
    public static (int First, int Second) KeptLengths(int first, int? second, int budget, TruncationStrategy strategy)
    {
        if (budget < 0) throw new TokenizationException($"max_length is smaller than the {-budget} special tokens it must hold beyond zero content.");
        int total = first + (second ?? 0);
        if (total <= budget) return (first, second ?? 0);
        int remove = total - budget;
        if (second is not { } n2)
        {
            if (strategy == TruncationStrategy.OnlySecond) throw new TokenizationException("truncation only_second needs a second sequence.");
            if (strategy == TruncationStrategy.OnlyFirst && first <= remove)
                throw new TokenizationException($"truncation only_first cannot fit: the sequence has {first} tokens and {remove} must go.");
            return (first - remove, 0);
        }
        switch (strategy)
        {
            case TruncationStrategy.OnlyFirst:
                if (first > remove) return (first - remove, n2);
                throw new TokenizationException($"truncation only_first cannot fit: the first sequence has {first} tokens and {remove} must go (max_length too small for the second sequence).");
            case TruncationStrategy.OnlySecond:
                if (n2 > remove) return (first, n2 - remove);
                throw new TokenizationException($"truncation only_second cannot fit: the second sequence has {n2} tokens and {remove} must go (max_length too small for the first sequence).");
        }
        int shorter = first, longer = n2;
        bool swapped = false;
        if (shorter > longer) { (shorter, longer) = (longer, shorter); swapped = true; }
        longer = shorter > budget ? shorter : Math.Max(shorter, budget - shorter);
        if (shorter + longer > budget)
        {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        return swapped ? (longer, shorter) : (shorter, longer);
    }
}
