using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Models;

/// <summary>
/// WordPiece: a word longer than <see cref="MaxInputCharsPerWord"/> code points is unknown; otherwise it is cut
/// greedily into the longest vocabulary prefix, then the longest continuation (written with
/// <see cref="ContinuingSubwordPrefix"/>, "##"), and so on; if any position has no match the whole word is the
/// unknown token.
/// </summary>
public sealed class WordPieceModel : ITokenizerModel
{
    readonly Dictionary<string, int> _vocabulary;
    readonly Dictionary<int, string> _tokens;
    readonly int _unknownId;

    public WordPieceModel(Dictionary<string, int> vocabulary, string unknownToken = "[UNK]", string continuingSubwordPrefix = "##", int maxInputCharsPerWord = 100)
    {
        _vocabulary = vocabulary;
        // A map, not an array indexed by id: a file's ids may be sparse or huge, and must not size an allocation.
        _tokens = new Dictionary<int, string>(vocabulary.Count);
        foreach (var (token, id) in vocabulary) _tokens[id] = token;
        UnknownToken = unknownToken;
        _unknownId = vocabulary.TryGetValue(unknownToken, out int unknown) ? unknown
            : throw new ArgumentException($"WordPiece unk_token '{unknownToken}' is not in the vocabulary.");
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
    }

    public static WordPieceModel FromJson(TokenizerJson json)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, idJson) in json.Required("vocab").Members())
        {
            int id = idJson.AsInt();
            vocabulary[token] = id >= 0 ? id : throw idJson.Error($"token id must not be negative, found {id}");
        }
        string unknown = json.OptionalString("unk_token") ?? "[UNK]";
        if (!vocabulary.ContainsKey(unknown)) throw json.Error($"unk_token '{unknown}' is not in the vocabulary");
        return new WordPieceModel(vocabulary, unknown, json.OptionalString("continuing_subword_prefix") ?? "##", json.Int("max_input_chars_per_word", 100));
    }

    public string UnknownToken { get; }
    public string ContinuingSubwordPrefix { get; }
    public int MaxInputCharsPerWord { get; }
    public int VocabularySize => _vocabulary.Count;
    public IReadOnlyDictionary<string, int> Vocabulary => _vocabulary;

    public int? TokenToId(string token) => _vocabulary.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => _tokens.GetValueOrDefault(id);

    public void Tokenize(string piece, List<int> ids)
    {
        if (CountCodePoints(piece) > MaxInputCharsPerWord) { ids.Add(_unknownId); return; }
        int mark = ids.Count;
        var lookup = _vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        char[] rented = System.Buffers.ArrayPool<char>.Shared.Rent(piece.Length + ContinuingSubwordPrefix.Length);
        try
        {
            Cut(piece, ids, mark, lookup, rented);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(rented);
        }
    }

    void Cut(string piece, List<int> ids, int mark, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, char[] buffer)
    {
        ContinuingSubwordPrefix.AsSpan().CopyTo(buffer);
        int start = 0;
        while (start < piece.Length)
        {
            int end = piece.Length;
            int found = -1;
            while (start < end)
            {
                ReadOnlySpan<char> candidate;
                if (start == 0) candidate = piece.AsSpan(0, end);
                else
                {
                    piece.AsSpan(start, end - start).CopyTo(buffer.AsSpan(ContinuingSubwordPrefix.Length));
                    candidate = buffer.AsSpan(0, ContinuingSubwordPrefix.Length + end - start);
                }
                if (lookup.TryGetValue(candidate, out int id)) { found = id; break; }
                end--;
                if (end > start && char.IsLowSurrogate(piece[end]) && char.IsHighSurrogate(piece[end - 1])) end--;
            }
            if (found < 0)
            {
                ids.RemoveRange(mark, ids.Count - mark);
                ids.Add(_unknownId);
                return;
            }
            ids.Add(found);
            start = end;
        }
    }

    static int CountCodePoints(string text)
    {
        int count = 0;
        for (int i = 0; i < text.Length; i++) if (!char.IsLowSurrogate(text[i]) || i == 0 || !char.IsHighSurrogate(text[i - 1])) count++;
        return count;
    }
}
