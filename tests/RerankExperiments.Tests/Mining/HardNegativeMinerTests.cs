using RerankExperiments.Data;
using RerankExperiments.Mining;

namespace RerankExperiments.Tests.Mining;

public sealed class HardNegativeMinerTests
{
    // A hand-made corpus about fruit, cars and the sea: queries share words with many passages, and the positive of
    // one query ("red apple fruit basket") is a strong candidate for another ("apple fruit").
    internal static readonly string[] Corpus =
    [
        "red apple on the table", "green apple in a bowl", "apple pie with cinnamon", "apple juice and apple cider",
        "fruit salad with apple and pear", "red car on the road", "green car parked outside", "blue car in the garage",
        "fast red sports car", "old car with red paint", "the sea is blue and deep", "fish swim in the blue sea",
        "red fish and blue fish", "a boat on the sea", "pear and apple orchard", "banana bread recipe",
        "tropical fruit market", "red sunset over the sea", "apple orchard in autumn", "car wash and fruit stand",
    ];

    internal static readonly QueryPosNegRecord[] Records =
    [
        new("red apple", ["red apple fruit basket"], ["ignored negative"]),
        new("apple fruit", ["green apple fruit salad", "fresh apple fruit"], []),
        new("red car", ["red car for sale"], []),
        new("blue sea", ["the blue sea shore"], []),
        new("red apple", ["a red apple tree in the old garden"], []), // the same query again: one more positive of "red apple"
    ];

    static MiningResult Mine(MiningOptions options, QueryPosNegRecord[]? records = null) =>
        HardNegativeMiner.Mine(records ?? Records, options, Corpus);

    /// <summary>sentence-transformers' procedure written out plainly over full BM25 score vectors.</summary>
    static List<(string Query, List<string> Negatives)> Reference(MiningOptions options)
    {
        var queries = HardNegativeMiner.DeduplicateQueries(Records);
        var seen = new HashSet<string>();
        var passages = Corpus.Concat(queries.SelectMany(q => q.Positives)).Where(seen.Add).ToList();
        var index = Bm25Index.Build(passages.Select((_, i) => i.ToString()).ToList(), passages);
        int rangeMax = options.EffectiveRangeMax, k = rangeMax + queries.Max(q => q.Positives.Count);
        var expected = new List<(string, List<string>)>();
        foreach (var (query, positives) in queries)
        {
            var scores = index.Scores(query);
            double p = positives.Min(x => scores[passages.IndexOf(x)]);
            var survivors = Enumerable.Range(0, passages.Count).Where(i => scores[i] > 0)
                .OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k)
                .Where(i => !positives.Contains(passages[i]))
                .Where(i => options.AbsoluteMargin is not { } a || scores[i] + a <= p)
                .Where(i => options.RelativeMargin is not { } r || scores[i] <= p - Math.Abs(p) * r)
                .Where(i => options.MaxScore is not { } max || scores[i] <= max)
                .Where(i => options.MinScore is not { } min || scores[i] >= min)
                .Skip(options.RangeMin).Take(rangeMax - options.RangeMin).Take(options.NumNegatives);
            expected.Add((query, survivors.Select(i => passages[i]).ToList()));
        }
        return expected;
    }

    public static TheoryData<MiningOptions> OptionSets() =>
    [
        new MiningOptions(NumNegatives: 3),
        new MiningOptions(NumNegatives: 2, RangeMin: 2, RangeMax: 6),
        new MiningOptions(NumNegatives: 4, RangeMin: 1, RangeMax: 12, AbsoluteMargin: 0.5),
        new MiningOptions(NumNegatives: 3, RelativeMargin: 0.2),
        new MiningOptions(NumNegatives: 3, RangeMax: 15, MaxScore: 2.5, MinScore: 0.5),
        new MiningOptions(NumNegatives: 5, RangeMin: 3, RangeMax: 10, AbsoluteMargin: 0, RelativeMargin: 0.05, MinScore: 0.1),
    ];

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Top_sampling_matches_the_reference_procedure(MiningOptions options)
    {
        var mined = Mine(options);
        var expected = Reference(options);
        Assert.Equal(expected.Select(e => e.Query), mined.Records.Select(r => r.Query));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Negatives, mined.Records[i].Negatives);
    }

    [Fact]
    public void Queries_merge_and_no_positive_of_the_query_is_ever_a_negative()
    {
        var options = new MiningOptions(NumNegatives: 6, RangeMax: 20);
        var mined = Mine(options);
        Assert.Equal(4, mined.Statistics.Queries);
        var redApple = mined.Records.Single(r => r.Query == "red apple");
        Assert.Equal(["red apple fruit basket", "a red apple tree in the old garden"], redApple.Positives);
        foreach (var record in mined.Records) Assert.Empty(record.Negatives.Intersect(record.Positives));
        // Another query's positive is a fair negative: "red apple fruit basket" is a hard negative of "apple fruit".
        Assert.Contains("red apple fruit basket", mined.Records.Single(r => r.Query == "apple fruit").Negatives);
        // The input's own negatives are not kept as such: "ignored negative" shares no term with the query.
        Assert.DoesNotContain("ignored negative", redApple.Negatives);
        Assert.True(mined.Statistics.RemovedAsPositive > 0);
    }

    [Fact]
    public void Counts_are_exact_and_negatives_come_best_first()
    {
        var mined = Mine(new MiningOptions(NumNegatives: 3));
        Assert.All(mined.Records, r => Assert.Equal(3, r.Negatives.Count));
        Assert.All(mined.Records, r => Assert.Equal(r.NegativeScores!.OrderByDescending(s => s), r.NegativeScores!));
        Assert.Equal(0, mined.Statistics.ShortQueries);
        Assert.Equal(12, mined.Statistics.Negatives);
    }

    [Fact]
    public void Margins_and_score_filters_hold_against_the_minimum_positive()
    {
        foreach (var options in new[]
        {
            new MiningOptions(NumNegatives: 3, AbsoluteMargin: 0.3),
            new MiningOptions(NumNegatives: 3, RelativeMargin: 0.25),
            new MiningOptions(NumNegatives: 3, MaxScore: 2, MinScore: 0.8),
        })
        {
            var mined = Mine(options);
            foreach (var record in mined.Records)
            {
                double p = record.PositiveScores!.Min();
                foreach (double s in record.NegativeScores!)
                {
                    if (options.AbsoluteMargin is { } a) Assert.True(s + a <= p + 1e-5, $"{record.Query}: {s} + {a} > {p}");
                    if (options.RelativeMargin is { } r) Assert.True(s <= p - Math.Abs(p) * r + 1e-5, $"{record.Query}: {s} > {p}·(1 − {r})");
                    if (options.MaxScore is { } max) Assert.True(s <= max + 1e-5);
                    if (options.MinScore is { } min) Assert.True(s >= min - 1e-5);
                }
            }
        }
        // "red apple" has positives of different scores: the margin is measured from the lower one.
        var redApple = Mine(new MiningOptions(NumNegatives: 3)).Records.Single(r => r.Query == "red apple");
        Assert.NotEqual(redApple.PositiveScores![0], redApple.PositiveScores[1]);
        Assert.True(Mine(new MiningOptions(NumNegatives: 3, AbsoluteMargin: 0.3)).Statistics.RemovedByMargin > 0);
    }

    [Fact]
    public void Ranks_stay_in_the_window_of_survivors()
    {
        var all = Mine(new MiningOptions(NumNegatives: 10, RangeMax: 10)).Records;
        var window = Mine(new MiningOptions(NumNegatives: 3, RangeMin: 2, RangeMax: 5)).Records;
        for (int i = 0; i < all.Count; i++) Assert.Equal(all[i].Negatives.Skip(2).Take(3), window[i].Negatives);
        var random = Mine(new MiningOptions(NumNegatives: 3, RangeMin: 2, RangeMax: 8, Sampling: NegativeSampling.Random)).Records;
        for (int i = 0; i < all.Count; i++) Assert.Subset(all[i].Negatives.Skip(2).Take(6).ToHashSet(), random[i].Negatives.ToHashSet());
    }

    [Fact]
    public void Random_sampling_is_seeded()
    {
        MiningResult Run(long seed) => Mine(new MiningOptions(NumNegatives: 3, RangeMax: 10, Sampling: NegativeSampling.Random, Seed: seed));
        var first = Run(7).Records;
        Assert.Equal(first.Select(r => r.Negatives), Run(7).Records.Select(r => r.Negatives));
        Assert.NotEqual(first.SelectMany(r => r.Negatives), Run(8).Records.SelectMany(r => r.Negatives));
        Assert.NotEqual(first.SelectMany(r => r.Negatives), Mine(new MiningOptions(NumNegatives: 3)).Records.SelectMany(r => r.Negatives));
        Assert.All(first, r => Assert.Equal(r.NegativeScores!.OrderByDescending(s => s), r.NegativeScores!));
    }

    [Fact]
    public void Short_queries_are_reported_and_kept_or_dropped()
    {
        // "blue sea" matches few passages once 1.5 BM25 units of margin are asked for.
        var options = new MiningOptions(NumNegatives: 4, RangeMax: 30, MinScore: 1.5);
        var kept = Mine(options);
        Assert.True(kept.Statistics.ShortQueries > 0);
        Assert.Equal(0, kept.Statistics.DroppedQueries);
        Assert.Equal(4, kept.Records.Count);
        Assert.Equal(kept.Statistics.ShortQueries, kept.Records.Count(r => r.Negatives.Count < 4));
        var dropped = Mine(options with { DropShort = true });
        Assert.Equal(kept.Statistics.ShortQueries, dropped.Statistics.DroppedQueries);
        Assert.Equal(4 - kept.Statistics.ShortQueries, dropped.Records.Count);
        Assert.All(dropped.Records, r => Assert.Equal(4, r.Negatives.Count));
    }

    [Fact]
    public void Statistics_describe_the_kept_scores()
    {
        var mined = Mine(new MiningOptions(NumNegatives: 2));
        var negatives = mined.Records.SelectMany(r => r.NegativeScores!).Select(s => (double)s).Order().ToList();
        Assert.Equal(negatives.Count, mined.Statistics.NegativeScores.Count);
        Assert.Equal(negatives[0], mined.Statistics.NegativeScores.Min);
        Assert.Equal(negatives[^1], mined.Statistics.NegativeScores.Max);
        Assert.Equal(negatives.Average(), mined.Statistics.NegativeScores.Mean, 9);
        Assert.Equal((negatives[3] + negatives[4]) / 2, mined.Statistics.NegativeScores.Median, 9);
        Assert.Equal(6, mined.Statistics.PositiveScores.Count);
    }

    [Fact]
    public void A_rescorer_replaces_the_scores_only_when_a_margin_or_max_score_filters()
    {
        int calls = 0;
        float[] ByLength(IReadOnlyList<(string Query, string Passage)> pairs)
        {
            calls++;
            return [.. pairs.Select(p => -(float)p.Passage.Length)];
        }
        HardNegativeMiner.Mine(Records, new MiningOptions(NumNegatives: 2), Corpus, ByLength);
        Assert.Equal(0, calls);
        var mined = HardNegativeMiner.Mine(Records, new MiningOptions(NumNegatives: 2, RangeMax: 10, AbsoluteMargin: 0), Corpus, ByLength);
        Assert.Equal(1, calls);
        foreach (var record in mined.Records)
        {
            Assert.Equal(record.Positives.Select(p => -(float)p.Length), record.PositiveScores!);
            Assert.Equal(record.Negatives.Select(n => -(float)n.Length), record.NegativeScores!);
            Assert.All(record.NegativeScores!, s => Assert.True(s <= record.PositiveScores!.Min()));
        }
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Mine(new MiningOptions(NumNegatives: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mine(new MiningOptions(RangeMin: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Mine(new MiningOptions(NumNegatives: 3, RangeMin: 2, RangeMax: 4)));
    }

    [Fact]
    public void Searches_reusing_the_thread_buffer_stay_exact()
    {
        var ids = Corpus.Select((_, i) => i.ToString()).ToList();
        var first = Bm25Index.Build(ids, Corpus);
        var second = Bm25Index.Build(ids, [.. Corpus.Reverse()]); // same size: the same per-thread buffer
        foreach (var query in new[] { "red apple", "blue sea fish", "car", "apple fruit red", "zebra" })
            foreach (var index in new[] { first, second, first })
            {
                var scores = index.Scores(query);
                var expected = Enumerable.Range(0, Corpus.Length).Where(i => scores[i] > 0).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(5).ToList();
                var hits = index.Search(query, 5);
                Assert.Equal(expected, hits.Select(h => h.Index));
                Assert.Equal(expected.Select(i => scores[i]), hits.Select(h => h.Score));
            }
    }

    [Fact]
    public void Index_score_of_one_document_equals_the_full_vector()
    {
        var index = Bm25Index.Build(Corpus.Select((_, i) => i.ToString()).ToList(), Corpus);
        var scores = index.Scores("red apple sea apple");
        for (int i = 0; i < Corpus.Length; i++) Assert.Equal(scores[i], index.Score("red apple sea apple", i));
    }
}
