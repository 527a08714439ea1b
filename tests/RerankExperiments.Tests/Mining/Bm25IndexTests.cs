using RerankExperiments.Mining;

namespace RerankExperiments.Tests.Mining;

public sealed class Bm25IndexTests
{
    // Lengths 3, 2, 1: avgdl = 2. N = 3.
    static readonly string[] Ids = ["A", "B", "C"];
    static readonly string[] Texts = ["cat cat dog", "dog bird", "fish"];

    [Fact]
    public void ScoresMatchHandArithmetic()
    {
        var index = Bm25Index.Build(Ids, Texts);
        // idf(cat) = ln(1 + (3 − 1 + 0.5)/(1 + 0.5)) = ln(8/3); idf(dog) = ln(1 + (3 − 2 + 0.5)/(2 + 0.5)) = ln(1.6).
        Assert.Equal(Math.Log(8.0 / 3), index.Idf("cat"), 12);
        Assert.Equal(Math.Log(1.6), index.Idf("dog"), 12);
        Assert.Equal(2.0, index.AverageLength);
        // A: k1·(1 − b + b·3/2) = 1.2·1.375 = 1.65; cat tf 2 → 2·2.2/(2 + 1.65); dog tf 1 → 2.2/(1 + 1.65).
        double a = Math.Log(8.0 / 3) * 4.4 / 3.65 + Math.Log(1.6) * 2.2 / 2.65;
        // B: k1·(1 − b + b·2/2) = 1.2; dog tf 1 → 2.2/(1 + 1.2) = 1.
        double b = Math.Log(1.6);
        var scores = index.Scores("Cat, DOG!");
        Assert.Equal(1.5725612026838962, a, 12);
        Assert.Equal(a, scores[0], 12);
        Assert.Equal(b, scores[1], 12);
        Assert.Equal(0, scores[2]);
    }

    [Fact]
    public void ParametersAreConfigurable()
    {
        // b = 0: no length normalisation; k1 = 1: tf/(tf + 1)·2. A: ln(8/3)·2·2/3 + ln(1.6)·2·1/2.
        var index = Bm25Index.Build(Ids, Texts, options: new Bm25Options(K1: 1, B: 0));
        Assert.Equal(Math.Log(8.0 / 3) * 4 / 3 + Math.Log(1.6), index.Scores("cat dog")[0], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Bm25Index.Build(Ids, Texts, options: new Bm25Options(B: 1.5)));
    }

    [Fact]
    public void RepeatedQueryTermsCountEachTime()
    {
        var index = Bm25Index.Build(Ids, Texts);
        Assert.Equal(2 * index.Scores("dog")[1], index.Scores("dog dog")[1], 12);
    }

    [Fact]
    public void SearchReturnsMatchingDocumentsBestFirst()
    {
        var index = Bm25Index.Build(Ids, Texts);
        var hits = index.Search("cat dog", k: 10);
        Assert.Equal(["A", "B"], hits.Select(h => h.Id));
        Assert.Equal([0, 1], hits.Select(h => h.Index));
        Assert.Equal(index.Scores("cat dog")[0], hits[0].Score);
        Assert.Equal(["A"], index.Search("cat dog", k: 1).Select(h => h.Id));
        Assert.Empty(index.Search("zebra", k: 5));
        Assert.Empty(index.Search("...", k: 5));
    }

    [Fact]
    public void EqualScoresRankInCorpusOrder()
    {
        var index = Bm25Index.Build(["x", "y", "z"], ["red apple", "green pear", "red apple"]);
        Assert.Equal(["x", "z"], index.Search("apple", k: 5).Select(h => h.Id));
    }

    [Fact]
    public void TopKEqualsSortingAllScoresOnALargerCorpus()
    {
        var random = new Random(7);
        var vocabulary = Enumerable.Range(0, 300).Select(i => $"w{i}").ToArray();
        string Text(int length) => string.Join(' ', Enumerable.Range(0, length).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 2))]));
        var texts = Enumerable.Range(0, 3000).Select(_ => Text(random.Next(1, 40))).ToList();
        var index = Bm25Index.Build(texts.Select((_, i) => $"d{i}").ToList(), texts);
        var queries = Enumerable.Range(0, 20).Select(_ => Text(random.Next(1, 6))).ToList();

        var parallel = index.SearchMany(queries, k: 25);
        for (int q = 0; q < queries.Count; q++)
        {
            var scores = index.Scores(queries[q]);
            var expected = Enumerable.Range(0, scores.Length).Where(i => scores[i] > 0)
                .OrderByDescending(i => scores[i]).ThenBy(i => i).Take(25).ToList();
            Assert.Equal(expected, index.Search(queries[q], 25).Select(h => h.Index));
            Assert.Equal(expected, parallel[q].Select(h => h.Index));
        }
    }

    [Fact]
    public void DuplicateIdsAreRejected() =>
        Assert.Throws<ArgumentException>(() => Bm25Index.Build(["a", "a"], ["x", "y"]));
}
