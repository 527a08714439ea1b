using System.Text.Json;
using RerankExperiments.Modeling;
using RerankExperiments.Modeling.DebertaV2;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using Xunit.Abstractions;

namespace RerankExperiments.Tests.Modeling;

/// <summary>
/// DeBERTa-v3 against transformers 5.17 (issue 18's acceptance): the fixture folders that
/// fixtures/scripts/make_deberta_fixture.py writes on the device machine, scored on the `rerank score` path
/// (CrossEncoder.Load → Reranker), pair by pair and in padded batches, within 1e-4 of transformers' logits.
/// deberta-v3-tiny is v3-shaped (relative attention, position_buckets, share_att_key, type_vocab_size 0);
/// deberta-v2-variants-tiny covers the other switches (own pos_*_proj, no buckets, absolute positions, token types,
/// embedding_size ≠ hidden_size, the convolution). Until the fixture is made the tests are skipped, visibly.
/// </summary>
public sealed class DebertaV2ParityTests(ITestOutputHelper output)
{
    const string Pending = "fixture made on the device machine by fixtures/scripts/make_deberta_fixture.py; see issue 18";
    const double Tolerance = 1e-4;

    static string Folder(string model)
    {
        string folder = FixtureModels.Directory(model);
        Assert.True(Directory.Exists(folder),
            $"{folder} is missing: run `python3 tests/RerankExperiments.Tests/fixtures/scripts/make_deberta_fixture.py tests/RerankExperiments.Tests/fixtures/hf` on a machine with transformers 5.17.");
        return folder;
    }

    static List<List<int>> ExpectedIds(string model) =>
        File.ReadLines(Path.Combine(Folder(model), "expected_tokens.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return row.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToList();
        }).ToList();

    [Theory(Skip = Pending)]
    [InlineData("deberta-v3-tiny")]
    [InlineData("deberta-v2-variants-tiny")]
    public void The_fixture_tokens_are_ours(string model)
    {
        using var encoder = CrossEncoder.Load(Folder(model));
        var pairs = FixtureModels.Pairs();
        var expected = ExpectedIds(model);
        Assert.Equal(pairs.Count, expected.Count);
        var truncation = new TruncationOptions(FixtureModels.MaxLength(model));
        for (int i = 0; i < pairs.Count; i++)
            Assert.True(expected[i].SequenceEqual(encoder.Tokenizer.EncodePair(pairs[i].Query, pairs[i].Passage, truncation).InputIds),
                $"pair {i}: token ids differ from the fixture's, so a logit difference would be the tokenizer's, not the model's");
    }

    [Theory(Skip = Pending)]
    [InlineData("deberta-v3-tiny")]
    [InlineData("deberta-v2-variants-tiny")]
    public void Logits_equal_transformers_one_by_one_and_in_padded_batches(string model)
    {
        using var encoder = CrossEncoder.Load(Folder(model));
        Assert.IsType<DebertaV2ForSequenceClassification>(encoder.Model);
        Assert.Empty(encoder.NewHeadParameters);
        var pairs = FixtureModels.Pairs();
        var expected = FixtureModels.ExpectedScores(model);
        int maxLength = FixtureModels.MaxLength(model);
        var single = new Reranker(encoder, new RerankerOptions(BatchSize: 1, MaxLength: maxLength)).Logits(pairs);
        var batched = new Reranker(encoder, new RerankerOptions(BatchSize: 16, MaxLength: maxLength)).Logits(pairs);
        double worstSingle = 0, worstBatched = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            worstSingle = Math.Max(worstSingle, Math.Abs(single[i][0] - expected[i].Logit));
            worstBatched = Math.Max(worstBatched, Math.Abs(batched[i][0] - expected[i].LogitBatched));
            Assert.True(Math.Abs(single[i][0] - expected[i].Logit) <= Tolerance, $"pair {i}: {single[i][0]} vs transformers {expected[i].Logit}");
            Assert.True(Math.Abs(batched[i][0] - expected[i].LogitBatched) <= Tolerance, $"pair {i} batched: {batched[i][0]} vs transformers {expected[i].LogitBatched}");
        }
        output.WriteLine($"{model}: max |Δ| single {worstSingle:E2}, batched {worstBatched:E2}");
    }

    [Fact(Skip = Pending)]
    public void Log_buckets_equal_the_table_transformers_dumped()
    {
        using var dump = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder("deberta-v3-tiny"), "expected_log_buckets.json")));
        var root = dump.RootElement;
        long[] distances = root.GetProperty("distances").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] expected = root.GetProperty("buckets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        using var relative = TorchSharp.torch.tensor(distances);
        using var buckets = DebertaV2RelativePositions.LogBucket(relative, root.GetProperty("bucket_size").GetInt32(), root.GetProperty("max_position").GetInt32());
        var actual = buckets.data<long>().ToArray();
        var wrong = Enumerable.Range(0, distances.Length).Where(i => actual[i] != expected[i]).Take(5).ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong.Select(i => $"P({distances[i]}) = {actual[i]}, transformers {expected[i]}")));
    }

    [Theory(Skip = Pending)]
    [InlineData("deberta-v3-tiny")]
    public void The_default_activation_reproduces_CrossEncoder_predict(string model)
    {
        using (var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(model), "expected_meta.json"))))
            Assert.True(meta.RootElement.GetProperty("auto_tokenizer_matches").GetBoolean(),
                "CrossEncoder.predict tokenized with other ids than tokenizer.json's (see the script's warning), so its scores are not comparable");
        using var encoder = CrossEncoder.Load(Folder(model));
        var scores = new Reranker(encoder, new RerankerOptions(MaxLength: FixtureModels.MaxLength(model))).Score(FixtureModels.Pairs());
        var expected = FixtureModels.ExpectedScores(model);
        for (int i = 0; i < scores.Length; i++)
            Assert.True(Math.Abs(scores[i] - expected[i].Predict) <= Tolerance, $"pair {i}: {scores[i]} vs CrossEncoder.predict {expected[i].Predict}");
    }
}
