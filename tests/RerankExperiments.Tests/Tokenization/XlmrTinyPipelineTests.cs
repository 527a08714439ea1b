using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Decoders;
using static RerankExperiments.Tests.Tokenization.SentencePieceTestData;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// The xlmr-tiny normalizer, pre-tokenizer and Unigram model reproduce tokenizers 0.23.2 stage by stage on the
/// golden texts (hand-written edge cases and every query and passage of pairs.jsonl).
/// </summary>
public sealed class XlmrTinyPipelineTests
{
    static readonly XlmrTiny Pipeline = XlmrTiny.Load();
    static readonly List<JsonElement> Goldens = Rows("xlmr_tiny_goldens.jsonl");

    static void AssertAll(Func<JsonElement, string?> mismatch)
    {
        var failures = Goldens.Select(mismatch).Where(m => m is not null).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {Goldens.Count} rows differ:\n" + string.Join("\n", failures.Take(10)));
    }

    static string Show(IEnumerable<object> items) => "[" + string.Join(", ", items) + "]";

    [Fact]
    public void Precompiled_alone_matches()
    {
        AssertAll(row =>
        {
            string actual = Pipeline.Precompiled.Normalize(row.Str("text"));
            return actual == row.Str("precompiled") ? null : $"{JsonSerializer.Serialize(row.Str("text"))}: expected {JsonSerializer.Serialize(row.Str("precompiled"))}, got {JsonSerializer.Serialize(actual)}";
        });
    }

    [Fact]
    public void Normalizer_sequence_matches()
    {
        AssertAll(row =>
        {
            string actual = Pipeline.Normalize(row.Str("text"));
            return actual == row.Str("normalized") ? null : $"{JsonSerializer.Serialize(row.Str("text"))}: expected {JsonSerializer.Serialize(row.Str("normalized"))}, got {JsonSerializer.Serialize(actual)}";
        });
    }

    [Fact]
    public void Metaspace_pieces_match()
    {
        AssertAll(row =>
        {
            var actual = Pipeline.PreTokenize(row.Str("normalized"));
            return actual.SequenceEqual(row.Strings("pretokenized")) ? null : $"{JsonSerializer.Serialize(row.Str("normalized"))}: expected {Show(row.Strings("pretokenized"))}, got {Show(actual)}";
        });
    }

    [Fact]
    public void Unigram_ids_match()
    {
        AssertAll(row =>
        {
            var actual = Pipeline.Encode(row.Str("text"));
            return actual.SequenceEqual(row.Ints("ids")) ? null : $"{JsonSerializer.Serialize(row.Str("text"))}: expected {Show(row.Ints("ids").Cast<object>())}, got {Show(actual.Cast<object>())}";
        });
    }

    [Fact]
    public void Tokens_decode_like_the_reference()
    {
        var decoder = new MetaspaceDecoder(Pipeline.Metaspace.Settings);
        AssertAll(row =>
        {
            var ids = row.Ints("ids");
            var tokens = ids.Select(id => Pipeline.Unigram.IdToToken(id)!).ToList();
            // The reference's token strings are the covered text for <unk>, the vocabulary entry otherwise.
            Assert.Equal(row.Strings("tokens").Where((_, i) => ids[i] != 3), tokens.Where((_, i) => ids[i] != 3));
            string actual = decoder.Decode(tokens);
            return actual == row.Str("decoded") ? null : $"{JsonSerializer.Serialize(row.Str("text"))}: expected {JsonSerializer.Serialize(row.Str("decoded"))}, got {JsonSerializer.Serialize(actual)}";
        });
    }

    /// <summary>The shared fixture's single-passage encodings (specials around the passage, truncated at 128).</summary>
    [Fact]
    public void Untruncated_passages_match_the_shared_fixture()
    {
        var passages = File.ReadLines(Fixtures.Path("hf", "pairs.jsonl"))
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line).Str("passage")).ToList();
        var expected = File.ReadLines(Fixtures.Path("hf", "xlmr-tiny", "expected_tokens_single.jsonl"))
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line).Ints("input_ids")).ToList();
        Assert.Equal(passages.Count, expected.Count);
        int compared = 0;
        for (int i = 0; i < passages.Count; i++)
        {
            if (expected[i].Length >= 128) continue;
            Assert.Equal(0, expected[i][0]);
            Assert.Equal(2, expected[i][^1]);
            Assert.Equal(expected[i][1..^1], Pipeline.Encode(passages[i]));
            compared++;
        }
        Assert.True(compared >= 10, $"only {compared} passages are short enough to compare");
    }
}
