using System.Text.Json;
using RerankExperiments.Tokenization.Decoders;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PostProcessors;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tokenization.Loading;

/// <summary>
/// Loads tokenizers as Hugging Face saves them: a tokenizer.json (with tokenizer_config.json beside it for
/// model_max_length and the pad token), a model directory holding those, or a BERT directory with only vocab.txt.
/// </summary>
public static class TokenizerLoader
{
    public const string TokenizerFileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";
    public const string VocabFileName = "vocab.txt";

    /// <summary>A tokenizer.json file, or a directory (tokenizer.json, else vocab.txt).</summary>
    public static Tokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            string json = Path.Combine(path, TokenizerFileName);
            if (File.Exists(json)) return FromTokenizerJson(json);
            string vocab = Path.Combine(path, VocabFileName);
            if (File.Exists(vocab)) return FromBertVocab(vocab);
            throw new TokenizerFormatException(path, "", $"holds neither {TokenizerFileName} nor {VocabFileName}.");
        }
        if (!File.Exists(path)) throw new TokenizerFormatException(path, "", "does not exist.");
        return Path.GetFileName(path) == VocabFileName ? FromBertVocab(path) : FromTokenizerJson(path);
    }

    /// <summary>Reads a tokenizer.json and, when present beside it, tokenizer_config.json.</summary>
    public static Tokenizer FromTokenizerJson(string path)
    {
        using var document = Parse(path);
        var root = new TokenizerJson(document.RootElement, path, "");
        if (root.Kind != JsonValueKind.Object) throw root.Error("the file is not a JSON object.");
        var addedTokens = root.Optional("added_tokens")?.Items().Select(AddedToken.FromJson).ToList() ?? [];
        var model = ModelFactory.Create(root.Required("model"));
        var normalizer = root.Optional("normalizer") is { } n ? NormalizerFactory.Create(n) : null;
        var preTokenizer = root.Optional("pre_tokenizer") is { } p ? PreTokenizerFactory.Create(p) : null;
        var postProcessor = root.Optional("post_processor") is { } pp ? PostProcessorFactory.Create(pp) : null;
        var decoder = root.Optional("decoder") is { } d ? DecoderFactory.Create(d) : null;

        TruncationOptions? truncation = null;
        if (root.Optional("truncation") is { } t)
        {
            var strategy = t.Optional("strategy") is { } s ? ParseStrategy(s) : TruncationStrategy.LongestFirst;
            var direction = t.OptionalString("direction") == "Left" ? TruncationDirection.Left : TruncationDirection.Right;
            truncation = new TruncationOptions(t.Required("max_length").AsInt(), strategy, direction);
        }
        int? padId = root.Optional("padding")?.Optional("pad_id")?.AsInt();

        var config = ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ConfigFileName));
        if (padId is null && config.PadToken is { } padToken)
            padId = addedTokens.FirstOrDefault(a => a.Content == padToken)?.Id ?? model.TokenToId(padToken);
        return new Tokenizer(model, normalizer, preTokenizer, postProcessor, decoder, addedTokens, truncation, padId, config.ModelMaxLength,
            config.ReturnsTokenTypeIds ?? true);
    }

    /// <summary>
    /// A BERT tokenizer from vocab.txt (id = line number), as transformers builds one: BertNormalizer (lowercase
    /// per tokenizer_config.json's do_lower_case, default true), BertPreTokenizer, WordPiece, [CLS] A [SEP] B [SEP].
    /// </summary>
    public static Tokenizer FromBertVocab(string vocabPath)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        int line = 0;
        foreach (var token in File.ReadLines(vocabPath))
        {
            string entry = token.TrimEnd('\r');
            vocabulary.TryAdd(entry, line);
            line++;
        }
        var config = ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(vocabPath))!, ConfigFileName));
        int Require(string token) => vocabulary.TryGetValue(token, out int id) ? id
            : throw new TokenizerFormatException(vocabPath, "", $"has no '{token}' line, which a BERT vocabulary needs.");
        int cls = Require("[CLS]"), sep = Require("[SEP]");
        _ = Require("[UNK]");
        var specials = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }
            .Where(vocabulary.ContainsKey).Select(s => new AddedToken(vocabulary[s], s)).ToList();
        return new Tokenizer(new WordPieceModel(vocabulary), new BertNormalizer(Lowercase: config.DoLowerCase ?? true, StripAccents: config.StripAccents),
            new BertPreTokenizer(), new BertPostProcessor(cls, sep), new WordPieceDecoder(), specials,
            padId: vocabulary.TryGetValue(config.PadToken ?? "[PAD]", out int pad) ? pad : null, modelMaxLength: config.ModelMaxLength,
            returnsTokenTypeIds: config.ReturnsTokenTypeIds ?? true);
    }

    sealed record TokenizerConfig(int? ModelMaxLength, string? PadToken, bool? DoLowerCase, bool? StripAccents, bool? ReturnsTokenTypeIds);

    /// <summary>transformers tokenizer classes whose model_input_names include token_type_ids.</summary>
    static readonly HashSet<string> ClassesWithTokenTypes = new(StringComparer.Ordinal)
    {
        "BertTokenizer", "BertTokenizerFast", "BertJapaneseTokenizer", "ElectraTokenizer", "ElectraTokenizerFast",
        "DebertaTokenizer", "DebertaTokenizerFast", "DebertaV2Tokenizer", "DebertaV2TokenizerFast", "ConvBertTokenizer",
        "ConvBertTokenizerFast", "MobileBertTokenizer", "MobileBertTokenizerFast", "SqueezeBertTokenizer",
        "SqueezeBertTokenizerFast", "FunnelTokenizer", "FunnelTokenizerFast", "LayoutLMTokenizer", "LayoutLMTokenizerFast",
    };

    /// <summary>
    /// What transformers v5 hands the model: model_input_names when the config lists them; otherwise by tokenizer
    /// class (BERT-like classes add token_type_ids; XLM-R, RoBERTa and the generic TokenizersBackend do not).
    /// Null without a tokenizer_config.json (the tokenizers library itself always produces them).
    /// </summary>
    static bool? ReturnsTokenTypes(TokenizerJson root)
    {
        if (root.Optional("model_input_names") is { } names) return names.Items().Any(n => n.AsString() == "token_type_ids");
        string? tokenizerClass = root.OptionalString("tokenizer_class");
        return tokenizerClass is null ? null : ClassesWithTokenTypes.Contains(tokenizerClass);
    }

    static TokenizerConfig ReadConfig(string path)
    {
        if (!File.Exists(path)) return new TokenizerConfig(null, null, null, null, null);
        using var document = Parse(path);
        var root = new TokenizerJson(document.RootElement, path, "");
        if (root.Kind != JsonValueKind.Object) throw root.Error("the file is not a JSON object.");
        int? maxLength = null;
        // transformers writes a huge sentinel (1e30) when a model has no limit.
        if (root.Optional("model_max_length") is { } m && m.AsDouble() is var value && value is > 0 and <= int.MaxValue) maxLength = (int)value;
        string? pad = root.Optional("pad_token") is { } p ? p.Kind == JsonValueKind.Object ? p.String("content") : p.AsString() : null;
        bool? lower = root.Optional("do_lower_case")?.AsBool();
        bool? strip = root.Optional("strip_accents")?.AsBool();
        return new TokenizerConfig(maxLength, pad, lower, strip, ReturnsTokenTypes(root));
    }

    static JsonDocument Parse(string path)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            // The JSON reader leaves string contents undecoded until they are read; a bad byte there would surface
            // later as an InvalidOperationException far from the file, so the whole file is checked up front.
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                var (line, column) = InvalidUtf8Position(bytes);
                throw new TokenizerFormatException(path, "", $"is not valid UTF-8 (line {line}, byte {column}).");
            }
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException error)
        {
            throw new TokenizerFormatException(path, "", $"is not valid JSON (line {error.LineNumber + 1}, byte {error.BytePositionInLine + 1}): {error.Message}", error);
        }
        catch (IOException error)
        {
            throw new TokenizerFormatException(path, "", $"cannot be read: {error.Message}", error);
        }
    }

    static TruncationStrategy ParseStrategy(TokenizerJson strategy)
    {
        try
        {
            return TruncationOptions.ParseStrategy(strategy.AsString());
        }
        catch (FormatException error)
        {
            throw strategy.Error(error.Message);
        }
    }

    /// <summary>The 1-based line and byte-in-line of the first byte that is not UTF-8.</summary>
    static (int Line, int Column) InvalidUtf8Position(ReadOnlySpan<byte> bytes)
    {
        int index = 0;
        while (index < bytes.Length && System.Text.Rune.DecodeFromUtf8(bytes[index..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
            index += consumed;
        var before = bytes[..index];
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (before.Count((byte)'\n') + 1, index - lineStart + 1);
    }
}
