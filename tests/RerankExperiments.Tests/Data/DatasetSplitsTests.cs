using RerankExperiments.Data;

namespace RerankExperiments.Tests.Data;

public sealed class DatasetSplitsTests
{
    static List<RankingExample> Examples(int count) =>
        [.. Enumerable.Range(0, count).Select(i => RankingExample.Group($"q{i}", $"p{i}", [$"n{i}"]))];

    [Fact]
    public void A_count_split_is_reproducible_by_seed_and_partitions_the_input_in_order()
    {
        var examples = Examples(50);
        var (train, eval) = DatasetSplits.Split(examples, EvalSplitSize.OfCount(10), seed: 7);
        var (train2, eval2) = DatasetSplits.Split(examples, EvalSplitSize.OfCount(10), seed: 7);
        var (_, other) = DatasetSplits.Split(examples, EvalSplitSize.OfCount(10), seed: 8);
        Assert.Equal(10, eval.Count);
        Assert.Equal(40, train.Count);
        Assert.Equal(eval.Select(e => e.Query), eval2.Select(e => e.Query));
        Assert.Equal(train.Select(e => e.Query), train2.Select(e => e.Query));
        Assert.NotEqual(eval.Select(e => e.Query), other.Select(e => e.Query));
        Assert.Equal(examples.Select(e => e.Query).Order(), train.Concat(eval).Select(e => e.Query).Order());
        // Both halves keep input order.
        Assert.Equal(eval.Select(e => examples.IndexOf(e)).Order(), eval.Select(e => examples.IndexOf(e)));
    }

    [Fact]
    public void A_fraction_split_rounds_to_the_nearest_count()
    {
        var (train, eval) = DatasetSplits.Split(Examples(33), EvalSplitSize.OfFraction(0.1), seed: 1);
        Assert.Equal(3, eval.Count);
        Assert.Equal(30, train.Count);
        Assert.Empty(DatasetSplits.Split(Examples(5), EvalSplitSize.OfFraction(0), seed: 1).Eval);
    }

    [Fact]
    public void A_split_that_leaves_no_training_data_is_refused()
    {
        Assert.Throws<ArgumentException>(() => DatasetSplits.Split(Examples(3), EvalSplitSize.OfCount(3), seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalSplitSize.OfFraction(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalSplitSize.OfCount(-1));
    }

    [Fact]
    public void Exact_duplicates_are_removed_keeping_the_first()
    {
        var examples = new List<RankingExample>
        {
            RankingExample.Group("q", "p", ["n"]),
            RankingExample.Group("q", "p", ["n"]),
            RankingExample.Group("q", "p", ["other"]),
            RankingExample.Group("q p", "n", []), // same words, different split: not a duplicate
            new("q", ["p", "n"], [0f, 1f]), // same text, different labels: still a duplicate
        };
        var (kept, removed) = DatasetSplits.RemoveDuplicates(examples);
        Assert.Equal(2, removed);
        Assert.Equal(3, kept.Count);
        Assert.Same(examples[0], kept[0]);
    }
}
