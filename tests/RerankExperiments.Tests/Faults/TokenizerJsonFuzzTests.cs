using System.Text.Json.Nodes;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using Xunit.Abstractions;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// 10,000 seeded mutations of the fixture tokenizer.json files (WordPiece, BPE, Unigram; with and without a
/// tokenizer_config.json beside them) and random bytes, each loaded and used to encode a few texts. Loading either
/// works or throws a <see cref="TokenizerFormatException"/> naming the file; a tokenizer that loads encodes or
/// throws a <see cref="TokenizationException"/> with a message; nothing else escapes and nothing hangs.
/// </summary>
[Trait("Category", "Faults")]
public sealed class TokenizerJsonFuzzTests(ITestOutputHelper output)
{
    const int Inputs = 10_000;
    const int Seed = 11_2025;

    static readonly string[] Texts = ["Hello, world!", "", "   ", "naïve café 日本語 🙂 \u0000 \u200b\t\r\n", string.Join(' ', Enumerable.Repeat("token", 40))];

    sealed record SeedFile(byte[] Bytes, JsonNode Tree);

    static IEnumerable<string> SeedPaths()
    {
        foreach (var model in new[] { "bert-tiny", "modernbert-cls-tiny" }) yield return Fixtures.Path("hf", model, "tokenizer.json");
        foreach (var file in Directory.EnumerateFiles(Fixtures.Path("tokenizers", "bpe"), "*.json").Order(StringComparer.Ordinal)) yield return file;
        yield return Fixtures.Path("tokenizers", "unigram", "byte_fallback_tokenizer.json");
    }

    [Fact]
    public async Task Mutated_and_random_tokenizer_files_load_or_fail_naming_the_file_and_loaded_ones_encode()
    {
        using var harness = new FuzzHarness(output, "tokenizer.json", e => e is TokenizerFormatException);
        var seeds = SeedPaths().Select(path => File.ReadAllBytes(path)).Select(bytes => new SeedFile(bytes, JsonNode.Parse(bytes)!)).ToArray();
        var configs = new[] { "bert-tiny", "modernbert-cls-tiny", "xlmr-tiny" }
            .Select(m => File.ReadAllBytes(Fixtures.Path("hf", m, "tokenizer_config.json"))).ToArray();
        var configTrees = configs.Select(c => JsonNode.Parse(c)!).ToArray();
        var all = seeds.Select(s => s.Bytes).ToArray();
        string path = harness.Directory.File(TokenizerLoader.TokenizerFileName);
        string configPath = harness.Directory.File(TokenizerLoader.ConfigFileName);
        int encodeErrors = 0;

        await harness.Run(Inputs, Seed, async random =>
        {
            var seed = seeds[random.Next(seeds.Length)];
            int choice = random.Next(100);
            var (bytes, what) = choice switch
            {
                < 40 => (ByteMutations.Mutate(random, seed.Bytes, all), "byte mutation"),
                < 90 => (JsonMutations.Mutate(random, seed.Tree), "json mutation"),
                < 95 => (seed.Bytes, "valid tokenizer, mutated config"),
                _ => (ByteMutations.RandomBytes(random, 4096, random.Next(2) == 0 ? "{\"model\":" : null), "random bytes"),
            };
            File.Delete(configPath);
            int config = random.Next(configs.Length);
            int configChoice = choice is >= 90 and < 95 ? 0 : random.Next(4);
            if (configChoice == 0) await File.WriteAllBytesAsync(configPath, random.Next(2) == 0
                ? ByteMutations.Mutate(random, configs[config], configs) : JsonMutations.Mutate(random, configTrees[config]));
            else if (configChoice == 1) await File.WriteAllBytesAsync(configPath, configs[config]);
            await File.WriteAllBytesAsync(path, bytes);
            // The error may be about tokenizer.json or tokenizer_config.json: either way it names the folder.
            return (what, harness.Directory.Path, () =>
            {
                var tokenizer = TokenizerLoader.Load(path);
                try
                {
                    Encode(tokenizer);
                }
                catch (TokenizationException error) when (error.Message.Length > 0)
                {
                    Interlocked.Increment(ref encodeErrors);
                }
            });
        });
        output.WriteLine($"{encodeErrors} loaded tokenizers refused an encoding with a TokenizationException");
        Assert.True(harness.Loaded > Inputs / 20 && harness.Rejected > Inputs / 4, "the mutations should both keep and break files");
    }

    static void Encode(Tokenizer tokenizer)
    {
        var truncation = new TruncationOptions(16);
        foreach (var text in Texts)
        {
            var single = tokenizer.Encode(text);
            _ = tokenizer.Decode(single.InputIds, skipSpecialTokens: false);
        }
        _ = tokenizer.EncodePair(Texts[0], Texts[^1], truncation);
        _ = tokenizer.IdToToken(tokenizer.VocabularySize - 1);
    }
}
