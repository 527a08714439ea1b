using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Modeling;

/// <summary>
/// Loaded from the Hugging Face folders transformers 5.17 saved, every fixture model scores the 63 pairs as
/// transformers does (fp32, CPU, ≤ 1e-4): pair by pair, in length-sorted padded batches, and with
/// CrossEncoder.predict's default activation.
/// </summary>
public sealed class CrossEncoderParityTests
{
    public static TheoryData<string> Models() => [.. FixtureModels.All];

    const double Tolerance = 1e-4;

    [Theory]
    [MemberData(nameof(Models))]
    public void Logits_equal_transformers_one_by_one_and_in_padded_batches(string model)
    {
        using var encoder = CrossEncoder.Load(FixtureModels.Directory(model));
        Assert.Empty(encoder.NewHeadParameters);
        var pairs = FixtureModels.Pairs();
        var expected = FixtureModels.ExpectedScores(model);
        int maxLength = FixtureModels.MaxLength(model);

        var single = new Reranker(encoder, new RerankerOptions(BatchSize: 1, MaxLength: maxLength)).Logits(pairs);
        var batched = new Reranker(encoder, new RerankerOptions(BatchSize: 16, MaxLength: maxLength)).Logits(pairs);
        for (int i = 0; i < pairs.Count; i++)
        {
            Assert.True(Math.Abs(single[i][0] - expected[i].Logit) <= Tolerance, $"pair {i}: {single[i][0]} vs transformers {expected[i].Logit}");
            Assert.True(Math.Abs(batched[i][0] - expected[i].LogitBatched) <= Tolerance, $"pair {i} batched: {batched[i][0]} vs transformers {expected[i].LogitBatched}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_default_activation_reproduces_CrossEncoder_predict(string model)
    {
        using var encoder = CrossEncoder.Load(FixtureModels.Directory(model));
        Assert.Equal(ScoreActivation.Sigmoid, encoder.DefaultActivation);
        var scores = new Reranker(encoder, new RerankerOptions(MaxLength: FixtureModels.MaxLength(model))).Score(FixtureModels.Pairs());
        var expected = FixtureModels.ExpectedScores(model);
        for (int i = 0; i < scores.Length; i++)
            Assert.True(Math.Abs(scores[i] - expected[i].Predict) <= Tolerance, $"pair {i}: {scores[i]} vs CrossEncoder.predict {expected[i].Predict}");
    }

    [Fact]
    public void Rank_orders_documents_by_score_and_keeps_their_indices()
    {
        using var encoder = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        var reranker = new Reranker(encoder);
        var pairs = FixtureModels.Pairs();
        string query = pairs[0].Query;
        var documents = pairs.Take(10).Select(p => p.Passage).ToList();
        var scores = reranker.Score(documents.Select(d => (query, d)).ToList());
        var ranked = reranker.Rank(query, documents, topK: 3);
        Assert.Equal(3, ranked.Count);
        Assert.Equal(scores.Select((s, i) => (s, i)).OrderByDescending(x => x.s).Take(3).Select(x => x.i), ranked.Select(r => r.Index));
        Assert.Equal(scores[ranked[0].Index], ranked[0].Score);
    }
}
