using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Normalizers;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// BertNormalizer in each setting, Lowercase, NFC/NFD/NFKC/NFKD, StripAccents, Strip, Prepend and Sequence give the
/// text tokenizers 0.23.2 gives (fixtures/tokenizers/normalizers.jsonl, by fixtures/scripts/make_normalizer_goldens.mjs).
/// </summary>
public sealed class NormalizerGoldenTests
{
    [Fact]
    public void Every_normalizer_matches_the_reference_on_every_text()
    {
        var cache = new Dictionary<string, INormalizer>();
        var failures = new List<string>();
        int cases = 0;
        foreach (var line in File.ReadLines(Fixtures.Path("tokenizers", "normalizers.jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            var row = document.RootElement;
            string config = row.GetProperty("normalizer").GetRawText();
            if (!cache.TryGetValue(config, out var normalizer))
                cache[config] = normalizer = NormalizerFactory.Create(new TokenizerJson(row.GetProperty("normalizer").Clone(), "normalizers.jsonl", "normalizer"));
            string text = row.GetProperty("text").GetString()!, expected = row.GetProperty("normalized").GetString()!;
            string actual = normalizer.Normalize(text);
            cases++;
            if (actual != expected)
                failures.Add($"{config} on {JsonSerializer.Serialize(text[..Math.Min(40, text.Length)])}: expected {JsonSerializer.Serialize(expected[..Math.Min(60, expected.Length)])}, got {JsonSerializer.Serialize(actual[..Math.Min(60, actual.Length)])}");
        }
        Assert.True(cases > 2000, $"only {cases} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} differ:\n" + string.Join("\n", failures.Take(10)));
    }
}
