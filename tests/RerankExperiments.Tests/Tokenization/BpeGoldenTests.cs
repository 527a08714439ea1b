using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// Ids, decoded text and pre-tokenizer pieces identical to tokenizers 0.23.2 (fixtures/tokenizers/bpe, made by
/// fixtures/scripts/make_bpe_goldens.mjs): byte-level BPE variants of the ModernBERT fixture, character BPE models
/// exercising unk / fuse_unk / byte_fallback / affixes / ignore_merges, and every splitting pre-tokenizer on
/// adversarial text (whitespace kinds, supplementary letters, ZWJ emoji, RTL, controls, contractions).
/// </summary>
public sealed class BpeGoldenTests
{
    static string Dir(params string[] parts) => Fixtures.Path(["tokenizers", "bpe", .. parts]);

    static IEnumerable<JsonElement> Rows(string file) =>
        File.ReadLines(Dir(file)).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone());

    static string Show(IEnumerable<int> ids) => "[" + string.Join(",", ids.Take(30)) + "]";

    public static TheoryData<string> TokenizerFiles() =>
        new(Rows("ids.jsonl").Select(r => r.GetProperty("tokenizer").GetString()!).Distinct());

    [Theory]
    [MemberData(nameof(TokenizerFiles))]
    public void Ids_and_decoded_text_match_the_reference(string file)
    {
        var tokenizer = TokenizerLoader.Load(Dir(file));
        var mismatches = new List<string>();
        int count = 0;
        foreach (var row in Rows("ids.jsonl").Where(r => r.GetProperty("tokenizer").GetString() == file))
        {
            count++;
            string text = row.GetProperty("text").GetString()!;
            int[] expected = row.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var actual = tokenizer.Encode(text, addSpecialTokens: false).InputIds;
            if (!actual.SequenceEqual(expected))
            {
                mismatches.Add($"{JsonSerializer.Serialize(text[..Math.Min(60, text.Length)])}: expected {Show(expected)} got {Show(actual)}");
                continue;
            }
            if (row.TryGetProperty("decoded", out var decoded))
            {
                string actualText = tokenizer.Decode(expected, skipSpecialTokens: false);
                if (actualText != decoded.GetString())
                    mismatches.Add($"decode of {JsonSerializer.Serialize(text[..Math.Min(60, text.Length)])}: expected {JsonSerializer.Serialize(decoded.GetString())} got {JsonSerializer.Serialize(actualText)}");
            }
        }
        Assert.True(count > 0);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {count} texts differ:\n" + string.Join("\n", mismatches.Take(8)));
    }

    public static TheoryData<string> PreTokenizerConfigs() =>
        new(Rows("pieces.jsonl").Select(r => r.GetProperty("pre_tokenizer").GetRawText()).Distinct());

    [Theory]
    [MemberData(nameof(PreTokenizerConfigs))]
    public void Pre_tokenizer_pieces_match_the_reference(string config)
    {
        using var document = JsonDocument.Parse(config);
        var preTokenizer = PreTokenizerFactory.Create(new TokenizerJson(document.RootElement, "pieces.jsonl", "pre_tokenizer"));
        var mismatches = new List<string>();
        int count = 0;
        foreach (var row in Rows("pieces.jsonl").Where(r => r.GetProperty("pre_tokenizer").GetRawText() == config))
        {
            count++;
            string text = row.GetProperty("text").GetString()!;
            string[] expected = row.GetProperty("pieces").EnumerateArray().Select(v => v.GetString()!).ToArray();
            var actual = new List<Piece>();
            preTokenizer.Split(new Piece(text, true), actual);
            if (!actual.Select(p => p.Text).SequenceEqual(expected))
                mismatches.Add($"{JsonSerializer.Serialize(text[..Math.Min(60, text.Length)])}: expected {JsonSerializer.Serialize(expected)} got {JsonSerializer.Serialize(actual.Select(p => p.Text))}");
        }
        Assert.True(count > 0);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {count} texts differ:\n" + string.Join("\n", mismatches.Take(8)));
    }
}
