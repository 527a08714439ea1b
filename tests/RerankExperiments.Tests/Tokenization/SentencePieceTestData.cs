using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tests.Tokenization;

/// <summary>
/// Shared inputs of the sentencepiece-family tests: JSON snippets as <see cref="TokenizerJson"/>, the golden rows
/// of fixtures/tokenizers/unigram (made by fixtures/scripts/make_unigram_goldens.mjs with tokenizers 0.23.2), and
/// the xlmr-tiny pipeline assembled by hand from its components (the Tokenizer class lives elsewhere).
/// </summary>
static class SentencePieceTestData
{
    public static TokenizerJson Json(string text, string path = "component") =>
        new(JsonSerializer.Deserialize<JsonElement>(text), "test.json", path);

    public static List<JsonElement> Rows(string file) =>
        File.ReadLines(Fixtures.Path("tokenizers", "unigram", file))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<JsonElement>(line))
            .ToList();

    public static string Str(this JsonElement row, string name) => row.GetProperty(name).GetString()!;

    public static int[] Ints(this JsonElement row, string name) =>
        row.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static string[] Strings(this JsonElement row, string name) =>
        row.GetProperty(name).EnumerateArray().Select(v => v.GetString()!).ToArray();

    /// <summary>xlmr-tiny: Sequence[Precompiled, Strip(right), Replace(' {2,}' → '▁')], Metaspace, Unigram.</summary>
    public sealed class XlmrTiny
    {
        public PrecompiledNormalizer Precompiled { get; }
        public ReplaceNormalizer Replace { get; }
        public MetaspacePreTokenizer Metaspace { get; }
        public UnigramModel Unigram { get; }

        XlmrTiny(TokenizerJson root)
        {
            var normalizers = root.Required("normalizer").Required("normalizers").Items().ToList();
            Assert.Equal("Precompiled", normalizers[0].Type);
            Assert.Equal("Strip", normalizers[1].Type);
            Assert.Equal("Replace", normalizers[2].Type);
            Precompiled = PrecompiledNormalizer.FromJson(normalizers[0]);
            Replace = ReplaceNormalizer.FromJson(normalizers[2]);
            Metaspace = MetaspacePreTokenizer.FromJson(root.Required("pre_tokenizer"));
            Unigram = UnigramModel.FromJson(root.Required("model"));
        }

        public static XlmrTiny Load()
        {
            string path = Fixtures.Path("hf", "xlmr-tiny", "tokenizer.json");
            return new XlmrTiny(new TokenizerJson(JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(path)), path, ""));
        }

        // Strip(right) trims Rust's char::is_whitespace (Unicode White_Space), which char.IsWhiteSpace matches.
        public string Normalize(string text) => Replace.Normalize(Precompiled.Normalize(text).TrimEnd());

        public List<string> PreTokenize(string normalized)
        {
            var pieces = new List<Piece>();
            Metaspace.Split(new Piece(normalized, AtStart: true), pieces);
            return pieces.Select(p => p.Text).ToList();
        }

        public List<int> Encode(string text)
        {
            var ids = new List<int>();
            foreach (string piece in PreTokenize(Normalize(text))) Unigram.Tokenize(piece, ids);
            return ids;
        }
    }
}
