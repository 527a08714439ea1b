using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// Every case of fixtures/hf/*/goldens.jsonl and fixtures/tokenizers/deberta-v3/goldens.jsonl (made with Hugging Face
/// tokenizers 0.23.2 by fixtures/scripts/make_pipeline_goldens.mjs; the DeBERTa-v3-style tokenizer.json by
/// make_deberta_v3_tokenizer.mjs): texts and pairs — adversarial ones included — untruncated and truncated with each
/// strategy at several max_lengths; where the library refuses a case, so must we.
/// </summary>
public sealed class PipelineGoldenTests
{
    public static TheoryData<string> Families() => ["hf/bert-tiny", "hf/xlmr-tiny", "hf/modernbert-cls-tiny", "tokenizers/deberta-v3"];

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_golden_case_matches_the_reference_library(string family)
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path(family));
        var failures = new List<string>();
        int cases = 0;
        foreach (var line in File.ReadLines(Fixtures.Path(family, "goldens.jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            cases++;
            string id = row.GetProperty("id").GetString()!;
            string text = row.GetProperty("text").GetString()!;
            string? pair = row.GetProperty("text_pair").ValueKind == JsonValueKind.String ? row.GetProperty("text_pair").GetString() : null;
            TruncationOptions? truncation = row.GetProperty("max_length").ValueKind == JsonValueKind.Number
                ? new TruncationOptions(row.GetProperty("max_length").GetInt32(), TruncationOptions.ParseStrategy(row.GetProperty("truncation").GetString()!))
                : null;
            bool refused = row.TryGetProperty("error", out var error) && error.GetBoolean();
            try
            {
                var encoded = tokenizer.Encode(new TextInput(text, pair), truncation);
                if (refused) { failures.Add($"{id}: the reference refuses this case; we encoded it"); continue; }
                int[] expected = row.GetProperty("input_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray();
                if (!encoded.InputIds.SequenceEqual(expected))
                    failures.Add($"{id}: expected [{string.Join(",", expected.Take(30))}] got [{string.Join(",", encoded.InputIds.Take(30))}]");
                else if (!encoded.TokenTypeIds.SequenceEqual(row.GetProperty("token_type_ids").EnumerateArray().Select(v => v.GetInt32())))
                    failures.Add($"{id}: token type ids differ");
            }
            catch (TokenizationException exception)
            {
                if (!refused) failures.Add($"{id}: we refused ({exception.Message}); the reference encodes it");
            }
        }
        Assert.True(cases > 1000, $"only {cases} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases differ:\n" + string.Join("\n", failures.Take(8)));
    }
}
