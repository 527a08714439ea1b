using System.Text.Json;
using Xunit.Abstractions;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Modeling;

/// <summary>
/// BERT and XLM-R score the fixture pairs as transformers 5.17 does (fp32, random weights spread wide so every
/// layer moves the logit): each pair alone, all 63 in one right-padded batch, and through a sigmoid.
/// </summary>
public sealed class BertFamilyReferenceTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    public static TheoryData<string> FixtureModels => ["bert-tiny", "xlmr-tiny"];

    /// <summary>The fixture model with its checkpoint loaded strictly, in eval mode.</summary>
    internal static SequenceClassificationModel LoadModel(string name)
    {
        var model = ModelFactory.Create(ModelConfig.Load(Fixtures.Path("hf", name, "config.json")));
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("hf", name));
        var report = StateDict.Load(model, checkpoint);
        Assert.True(report.IsExact);
        model.eval();
        return model;
    }

    static List<(string Query, string Passage)> Pairs() =>
        File.ReadLines(Fixtures.Path("hf", "pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();

    static List<(double Logit, double Batched, double Predict)> Expected(string name) =>
        File.ReadLines(Fixtures.Path("hf", name, "expected_scores.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            var r = row.RootElement;
            return (r.GetProperty("logit").GetDouble(), r.GetProperty("logit_batched").GetDouble(), r.GetProperty("cross_encoder_predict").GetDouble());
        }).ToList();

    static List<int[]> ExpectedIds(string name) =>
        File.ReadLines(Fixtures.Path("hf", name, "expected_tokens.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return row.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }).ToList();

    static EncodedText[] Encode(Tokenizer tokenizer, List<(string Query, string Passage)> pairs) =>
        pairs.Select(p => tokenizer.EncodePair(p.Query, p.Passage, new TruncationOptions(128))).ToArray();

    /// <summary>
    /// Whether transformers passed token_type_ids when it made the reference: expected_tokens.jsonl holds exactly the
    /// tensors its tokenizer returned. The fixtures' tokenizer_config.json (TokenizersBackend, no model_input_names)
    /// returns input_ids and attention_mask only, so BertModel filled token types with zeros even for the passage.
    /// </summary>
    static bool ReferencePassedTokenTypes(string name)
    {
        using var row = JsonDocument.Parse(File.ReadLines(Fixtures.Path("hf", name, "expected_tokens.jsonl")).First());
        return row.RootElement.TryGetProperty("token_type_ids", out _);
    }

    /// <summary>Logits [B] of encodings of one length, as the model's forward sees them.</summary>
    static float[] Score(SequenceClassificationModel model, IReadOnlyList<EncodedText> batch, bool tokenTypes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long length = batch[0].Length;
        Tensor Stack(Func<EncodedText, int[]> field) =>
            tensor(batch.SelectMany(e => field(e).Select(v => (long)v)).ToArray(), [batch.Count, length]);
        var logits = model.forward(Stack(e => e.InputIds), Stack(e => e.AttentionMask), Stack(e => tokenTypes ? e.TokenTypeIds : new int[e.Length]));
        Assert.Equal([batch.Count, 1L], logits.shape);
        return logits.reshape(-1).to(ScalarType.Float32).data<float>().ToArray();
    }

    void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        var diffs = expected.Zip(actual, (e, a) => Math.Abs(e - a)).ToList();
        double max = diffs.Max();
        int worst = diffs.IndexOf(max);
        output.WriteLine($"{what}: max |diff| {max:E2} over {diffs.Count} pairs");
        Assert.True(max <= Tolerance, $"{what}: max |diff| {max:E2} at pair {worst} (expected {expected[worst]}, got {actual[worst]}).");
    }

    [Theory]
    [MemberData(nameof(FixtureModels))]
    public void Each_pair_alone_matches_transformers(string name)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", name));
        var encodings = Encode(tokenizer, Pairs());
        Assert.Equal(ExpectedIds(name), encodings.Select(e => e.InputIds));
        using var model = LoadModel(name);
        var logits = encodings.Select(e => (double)Score(model, [e], ReferencePassedTokenTypes(name))[0]).ToList();
        var expected = Expected(name);
        AssertClose(expected.Select(e => e.Logit).ToList(), logits, $"{name} single");
        AssertClose(expected.Select(e => e.Predict).ToList(), logits.Select(l => 1 / (1 + Math.Exp(-l))).ToList(), $"{name} sigmoid");
    }

    [Theory]
    [MemberData(nameof(FixtureModels))]
    public void One_padded_batch_matches_transformers(string name)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", name));
        var padded = tokenizer.Pad(Encode(tokenizer, Pairs()), new PaddingOptions());
        Assert.Contains(padded, e => e.AttentionMask.Contains(0)); // the batch really has padding
        using var model = LoadModel(name);
        var logits = Score(model, padded, ReferencePassedTokenTypes(name)).Select(l => (double)l).ToList();
        AssertClose(Expected(name).Select(e => e.Batched).ToList(), logits, $"{name} batched");
    }
}
