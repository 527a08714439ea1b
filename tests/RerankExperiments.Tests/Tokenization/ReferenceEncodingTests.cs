using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// Token ids identical to transformers 5.17 / tokenizers 0.23 on the golden fixtures (made on the GPU machine by
/// ../shared/fixtures/make_hf_fixtures.py, copied into fixtures/hf/*): every pair of pairs.jsonl encoded with
/// truncation at the fixture's max_length, and every passage alone. modernbert-mean-tiny is the mean-pooling
/// fixture, whose tokenizer, whose tokenizer.json carries its own truncation (256) and padding that the call overrides.
/// </summary>
public sealed class ReferenceEncodingTests
{
    public static TheoryData<string> Families() => ["bert-tiny", "xlmr-tiny", "modernbert-cls-tiny", "modernbert-mean-tiny"];

    static List<(string Query, string Passage)> Pairs() =>
        File.ReadLines(Fixtures.Path("hf", "pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();

    static List<JsonElement> Expected(string model, string file) =>
        File.ReadLines(Fixtures.Path("hf", model, file)).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    static int MaxLength(string model)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("hf", model, "expected_meta.json")));
        return meta.RootElement.GetProperty("max_length").GetInt32();
    }

    static int[] Ints(JsonElement row, string name) => row.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    [Theory]
    [MemberData(nameof(Families))]
    public void Pairs_encode_to_the_reference_ids(string model)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", model));
        var truncation = new TruncationOptions(MaxLength(model));
        var pairs = Pairs();
        var expected = Expected(model, "expected_tokens.jsonl");
        Assert.Equal(pairs.Count, expected.Count);
        var mismatches = new List<string>();
        for (int i = 0; i < pairs.Count; i++)
        {
            var actual = tokenizer.EncodePair(pairs[i].Query, pairs[i].Passage, truncation);
            if (!actual.InputIds.SequenceEqual(Ints(expected[i], "input_ids")))
                mismatches.Add($"pair {i} ({pairs[i].Query}): expected [{string.Join(",", Ints(expected[i], "input_ids").Take(40))}] got [{string.Join(",", actual.InputIds.Take(40))}]");
            else
            {
                Assert.Equal(Ints(expected[i], "attention_mask"), actual.AttentionMask);
                if (expected[i].TryGetProperty("token_type_ids", out _)) Assert.Equal(Ints(expected[i], "token_type_ids"), actual.TokenTypeIds);
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {pairs.Count} pairs differ:\n" + string.Join("\n", mismatches.Take(5)));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Single_texts_encode_to_the_reference_ids(string model)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", model));
        var truncation = new TruncationOptions(MaxLength(model));
        var pairs = Pairs();
        var expected = Expected(model, "expected_tokens_single.jsonl");
        var mismatches = new List<string>();
        for (int i = 0; i < pairs.Count; i++)
        {
            var actual = tokenizer.Encode(pairs[i].Passage, truncation);
            if (!actual.InputIds.SequenceEqual(Ints(expected[i], "input_ids")))
                mismatches.Add($"text {i} ({pairs[i].Passage[..Math.Min(40, pairs[i].Passage.Length)]}): expected [{string.Join(",", Ints(expected[i], "input_ids").Take(40))}] got [{string.Join(",", actual.InputIds.Take(40))}]");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {pairs.Count} texts differ:\n" + string.Join("\n", mismatches.Take(5)));
    }
}
