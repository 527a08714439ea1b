using RerankExperiments.Tokenization;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>tokenizers' truncation arithmetic at hand-computed cases (budget = max_length − special tokens).</summary>
public sealed class TruncationTests
{
    [Theory]
    [InlineData(3, 20, 10, 3, 7)]     // the shorter fits whole; the longer gets the rest
    [InlineData(20, 3, 10, 7, 3)]     // same, swapped
    [InlineData(8, 9, 10, 5, 5)]      // both too long: halves
    [InlineData(9, 9, 11, 5, 6)]      // equal lengths: the first gets the floor
    [InlineData(12, 30, 10, 5, 5)]    // the shorter alone exceeds the budget
    [InlineData(4, 5, 10, 4, 5)]      // fits: unchanged
    [InlineData(6, 6, 11, 5, 6)]
    public void Longest_first_splits_as_tokenizers_does(int first, int second, int budget, int keptFirst, int keptSecond) =>
        Assert.Equal((keptFirst, keptSecond), Truncation.KeptLengths(first, second, budget, TruncationStrategy.LongestFirst));

    [Fact]
    public void Only_first_and_only_second_take_from_one_side_and_fail_when_it_cannot()
    {
        Assert.Equal((2, 5), Truncation.KeptLengths(6, 5, 7, TruncationStrategy.OnlyFirst));
        Assert.Equal((6, 1), Truncation.KeptLengths(6, 5, 7, TruncationStrategy.OnlySecond));
        Assert.Throws<TokenizationException>(() => Truncation.KeptLengths(2, 10, 7, TruncationStrategy.OnlyFirst));
        Assert.Throws<TokenizationException>(() => Truncation.KeptLengths(10, 3, 7, TruncationStrategy.OnlySecond));
        Assert.Throws<TokenizationException>(() => Truncation.KeptLengths(10, null, 7, TruncationStrategy.OnlySecond));
        Assert.Equal((7, 0), Truncation.KeptLengths(10, null, 7, TruncationStrategy.LongestFirst));
        Assert.Throws<TokenizationException>(() => Truncation.KeptLengths(10, 3, -1, TruncationStrategy.LongestFirst));
    }
}
