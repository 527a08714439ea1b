using RerankExperiments.Mining;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Mining;

public sealed class ExactTopKTests
{
    /// <summary>
    /// Small integers in [−2, 2]: every dot product is an exact integer whatever order the kernels add in, and
    /// equal scores are common, so the comparison with a full sort also checks that ties go in corpus order.
    /// </summary>
    static (float[] Queries, float[] Corpus) RandomData(int queries, int corpus, int dim, int seed)
    {
        var random = new Random(seed);
        float Next() => random.Next(-2, 3);
        return ([.. Enumerable.Range(0, queries * dim).Select(_ => Next())], [.. Enumerable.Range(0, corpus * dim).Select(_ => Next())]);
    }

    /// <summary>Brute force: every score computed in C#, each row sorted by (score desc, index asc), first k.</summary>
    static (int Index, float Score)[][] BruteForce(float[] queries, float[] corpus, int dim, int k)
    {
        int q = queries.Length / dim, n = corpus.Length / dim;
        return Enumerable.Range(0, q).Select(i => Enumerable.Range(0, n)
            .Select(j => (Index: j, Score: Enumerable.Range(0, dim).Sum(d => queries[i * dim + d] * corpus[j * dim + d])))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Index).Take(k).ToArray()).ToArray();
    }

    [Theory]
    [InlineData(37, 101, 8, 5, 16, 64)]     // chunk does not divide the corpus
    [InlineData(37, 101, 8, 20, 7, 10)]     // k > chunk, query blocks not dividing the queries
    [InlineData(10, 50, 3, 50, 9, 4)]       // k = whole corpus
    [InlineData(5, 30, 2, 3, 1, 1)]         // one passage per chunk, one query per block
    [InlineData(12, 64, 16, 8, 64, 1024)]   // one chunk
    public void Chunked_search_equals_brute_force(int queries, int corpus, int dim, int k, int chunk, int block)
    {
        var (q, p) = RandomData(queries, corpus, dim, seed: queries * 31 + corpus);
        using var qt = tensor(q, [queries, dim]);
        using var pt = tensor(p, [corpus, dim]);
        var hits = ExactTopK.Search(qt, pt, k, chunk, block);
        var expected = BruteForce(q, p, dim, k);
        Assert.Equal(expected.Length, hits.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], hits[i]);
    }

    [Fact]
    public void Equal_scores_rank_in_corpus_order_across_chunks()
    {
        // Ten identical passages, chunks of 3: any k must return the earliest indices.
        using var q = tensor(new float[] { 1, 0 }, [1, 2]);
        using var p = ones([10, 2]);
        foreach (int k in new[] { 1, 2, 4, 7 })
            Assert.Equal(Enumerable.Range(0, k), ExactTopK.Search(q, p, k, corpusChunk: 3, queryBlock: 1)[0].Select(h => h.Index));
    }

    [Fact]
    public void Running_top_k_rejects_a_wrong_shape()
    {
        using var topK = new RunningTopK(queries: 2, k: 3);
        using var scores = zeros([3, 5]);
        Assert.Throws<ArgumentException>(() => topK.Add(scores, 0));
        Assert.All(topK.Results(), r => Assert.Empty(r));
    }
}
