using RerankExperiments.Tokenization.Decoders;
using RerankExperiments.Tokenization.Models;
using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PostProcessors;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json pipeline: added tokens are split out of the raw text, each remaining stretch is
/// normalized (then normalized added tokens split out), pre-tokenized into pieces and run through the model; a pair's
/// two sequences are encoded independently (the second with type id 1), truncated together, post-processed
/// (special tokens, type ids) and padded. Immutable and thread-safe: one instance serves every thread.
/// </summary>
public sealed class Tokenizer
{
    readonly AddedVocabulary _rawAdded;
    readonly AddedVocabulary _normalizedAdded;
    readonly Dictionary<int, AddedToken> _addedById;
    readonly Dictionary<string, AddedToken> _addedByContent;

    public Tokenizer(ITokenizerModel model, INormalizer? normalizer = null, IPreTokenizer? preTokenizer = null,
        IPostProcessor? postProcessor = null, IDecoder? decoder = null, IReadOnlyList<AddedToken>? addedTokens = null,
        TruncationOptions? truncation = null, int? padId = null, int? modelMaxLength = null, bool returnsTokenTypeIds = true)
    {
        ReturnsTokenTypeIds = returnsTokenTypeIds;
        Model = model;
        Normalizer = normalizer;
        PreTokenizer = preTokenizer;
        PostProcessor = postProcessor;
        Decoder = decoder;
        AddedTokens = addedTokens ?? [];
        DefaultTruncation = truncation;
        PadId = padId;
        ModelMaxLength = modelMaxLength;
        _rawAdded = new AddedVocabulary(AddedTokens.Where(t => !t.Normalized || normalizer is null));
        _normalizedAdded = new AddedVocabulary(AddedTokens.Where(t => t.Normalized && normalizer is not null));
        _addedById = AddedTokens.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.First());
        _addedByContent = AddedTokens.GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public ITokenizerModel Model { get; }
    public INormalizer? Normalizer { get; }
    public IPreTokenizer? PreTokenizer { get; }
    public IPostProcessor? PostProcessor { get; }
    public IDecoder? Decoder { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The truncation tokenizer.json asks for, used when a call gives none.</summary>
    public TruncationOptions? DefaultTruncation { get; }

    /// <summary>The padding id (tokenizer.json padding, or the pad token of tokenizer_config.json).</summary>
    public int? PadId { get; }

    /// <summary>
    /// Whether transformers' tokenizer for this folder hands token_type_ids to the model (its model_input_names).
    /// When it does not, a model sees all-zero token types, whatever the post-processor assigned — which matters
    /// for BERT, whose token type embedding then differs for the passage.
    /// </summary>
    public bool ReturnsTokenTypeIds { get; }

    /// <summary>tokenizer_config.json's model_max_length, when it is a real limit.</summary>
    public int? ModelMaxLength { get; }

    /// <summary>Vocabulary size including added tokens.</summary>
    public int VocabularySize => Math.Max(Model.VocabularySize, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);

    public int? TokenToId(string token) => _addedByContent.TryGetValue(token, out var added) ? added.Id : Model.TokenToId(token);

    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var added) ? added.Content : Model.IdToToken(id);

    /// <summary>
    /// Model ids of one text, without special tokens, truncation or padding. With <paramref name="stopAt"/>,
    /// encoding stops after the first pre-tokenized piece that brings the count to at least that many ids.
    /// </summary>
    public List<int> EncodeIds(string text, int stopAt = int.MaxValue)
    {
        var ids = new List<int>();
        var segments = new List<TextSegment>();
        var normalizedSegments = new List<TextSegment>();
        var pieces = new List<Piece>();
        _rawAdded.Split(text, segments);
        foreach (var segment in segments)
        {
            if (segment.Token is { } token)
            {
                if (AddStops(ids, token.Id, stopAt)) return ids;
                continue;
            }
            string normalized = Normalizer?.Normalize(segment.Text) ?? segment.Text;
            normalizedSegments.Clear();
            _normalizedAdded.Split(normalized, normalizedSegments);
            foreach (var part in normalizedSegments)
            {
                if (part.Token is { } normalizedToken)
                {
                    if (AddStops(ids, normalizedToken.Id, stopAt)) return ids;
                    continue;
                }
                var piece = new Piece(part.Text, segment.Offset == 0 && part.Offset == 0);
                pieces.Clear();
                if (PreTokenizer is null) pieces.Add(piece);
                else PreTokenizer.Split(piece, pieces);
                foreach (var p in pieces)
                {
                    if (p.Text.Length > 0) Model.Tokenize(p.Text, ids);
                    if (ids.Count >= stopAt) return ids;
                }
            }
        }
        return ids;
    }

    static bool AddStops(List<int> ids, int id, int stopAt)
    {
        ids.Add(id);
        return ids.Count >= stopAt;
    }

    /// <summary>Encodes one text: model ids, truncated, with special tokens when asked.</summary>
    public EncodedText Encode(string text, TruncationOptions? truncation = null, bool addSpecialTokens = true)
    {
        truncation ??= DefaultTruncation;
        return Build(EncodeIds(text, StopAt(truncation)), null, truncation, addSpecialTokens);
    }

    /// <summary>Encodes a pair (query, passage for a cross-encoder), truncating both to fit.</summary>
    public EncodedText EncodePair(string first, string second, TruncationOptions? truncation = null, bool addSpecialTokens = true)
    {
        truncation ??= DefaultTruncation;
        return Build(EncodeIds(first, StopAt(truncation)), EncodeIds(second, StopAt(truncation)), truncation, addSpecialTokens);
    }

    /// <summary>
    /// tokenizers 0.23 stops encoding a sequence once it holds max_length ids (checked after each pre-tokenized
    /// piece) when truncating from the right, and balances a pair on those capped lengths. This matters: at
    /// max_length 8, a 9-id query (three 3-piece words) against a long passage keeps 3 + 2 ids, not the 2 + 3 the
    /// uncapped lengths would give. Measured against tokenizers 0.23.2; older releases encoded everything.
    /// </summary>
    static int StopAt(TruncationOptions? truncation) =>
        truncation is { Direction: TruncationDirection.Right } ? truncation.MaxLength : int.MaxValue;

    /// <summary>Encodes a text or a pair.</summary>
    public EncodedText Encode(TextInput input, TruncationOptions? truncation = null, bool addSpecialTokens = true) =>
        input.Pair is null ? Encode(input.Text, truncation, addSpecialTokens) : EncodePair(input.Text, input.Pair, truncation, addSpecialTokens);

    /// <summary>
    /// Encodes many inputs on all cores (or <paramref name="maxDegreeOfParallelism"/>), in input order, then pads
    /// them when <paramref name="padding"/> is given.
    /// </summary>
    public EncodedText[] EncodeBatch(IReadOnlyList<TextInput> inputs, TruncationOptions? truncation = null, PaddingOptions? padding = null,
        bool addSpecialTokens = true, int? maxDegreeOfParallelism = null)
    {
        var results = new EncodedText[inputs.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount };
        if (options.MaxDegreeOfParallelism == 1 || inputs.Count < 2)
            for (int i = 0; i < inputs.Count; i++) results[i] = Encode(inputs[i], truncation, addSpecialTokens);
        else
            Parallel.For(0, inputs.Count, options, i => results[i] = Encode(inputs[i], truncation, addSpecialTokens));
        return padding is null ? results : Pad(results, padding);
    }

    /// <summary>Pads encodings to a common length (the longest, or <see cref="PaddingOptions.Length"/>).</summary>
    public EncodedText[] Pad(IReadOnlyList<EncodedText> encodings, PaddingOptions padding)
    {
        int padId = PadId ?? throw new TokenizationException("Padding needs a pad token: the tokenizer defines none.");
        int target = padding.Length ?? (encodings.Count == 0 ? 0 : encodings.Max(e => e.Length));
        if (padding.PadToMultipleOf is > 0 and var multiple && target % multiple != 0) target += multiple - target % multiple;
        var padded = new EncodedText[encodings.Count];
        for (int i = 0; i < encodings.Count; i++)
        {
            var e = encodings[i];
            int missing = target - e.Length;
            if (missing <= 0) { padded[i] = e; continue; }
            padded[i] = padding.Left
                ? new EncodedText([.. Enumerable.Repeat(padId, missing), .. e.InputIds], [.. new int[missing], .. e.TokenTypeIds],
                    [.. new int[missing], .. e.AttentionMask], [.. Enumerable.Repeat(true, missing), .. e.SpecialTokensMask])
                : new EncodedText([.. e.InputIds, .. Enumerable.Repeat(padId, missing)], [.. e.TokenTypeIds, .. new int[missing]],
                    [.. e.AttentionMask, .. new int[missing]], [.. e.SpecialTokensMask, .. Enumerable.Repeat(true, missing)]);
        }
        return padded;
    }

    /// <summary>Text of a list of ids (special tokens skipped unless asked), through the decoder.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            if (_addedById.TryGetValue(id, out var added) && added.Special && skipSpecialTokens) continue;
            tokens.Add(IdToToken(id) ?? throw new TokenizationException($"Id {id} is not in the vocabulary."));
        }
        return Decoder?.Decode(tokens) ?? string.Join(' ', tokens);
    }

    EncodedText Build(List<int> first, List<int>? second, TruncationOptions? truncation, bool addSpecialTokens)
    {
        if (truncation is not null)
        {
            int added = addSpecialTokens && PostProcessor is not null ? PostProcessor.AddedTokens(second is not null) : 0;
            var (keepFirst, keepSecond) = Truncation.KeptLengths(first.Count, second?.Count, truncation.MaxLength - added, truncation.Strategy);
            Keep(first, keepFirst, truncation.Direction);
            if (second is not null) Keep(second, keepSecond, truncation.Direction);
        }
        List<TokenSequence> sequences = second is null ? [TokenSequence.Of(first, 0)] : [TokenSequence.Of(first, 0), TokenSequence.Of(second, 1)];
        if (addSpecialTokens && PostProcessor is not null) sequences = PostProcessor.Process(sequences);
        var merged = new TokenSequence([], [], []);
        foreach (var sequence in sequences) merged.Append(sequence);
        return new EncodedText([.. merged.Ids], [.. merged.TypeIds], Enumerable.Repeat(1, merged.Count).ToArray(), [.. merged.Special]);
    }

    static void Keep(List<int> ids, int count, TruncationDirection direction)
    {
        if (count >= ids.Count) return;
        if (direction == TruncationDirection.Right) ids.RemoveRange(count, ids.Count - count);
        else ids.RemoveRange(0, ids.Count - count);
    }
}
