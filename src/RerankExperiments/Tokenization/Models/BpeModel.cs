using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Models;

/// <summary>
/// <c>{"type":"BPE","dropout","unk_token","continuing_subword_prefix","end_of_word_suffix","fuse_unk","byte_fallback",
/// "ignore_merges","vocab":{token:id},"merges":[...]}</c>, following tokenizers' BPE model:
/// <list type="bullet">
/// <item>With <c>ignore_merges</c>, a piece that is itself in the vocabulary is that one token.</item>
/// <item>Otherwise each character becomes a symbol: all but the first get <c>continuing_subword_prefix</c>, the last
/// gets <c>end_of_word_suffix</c>. A symbol not in the vocabulary becomes the <c>&lt;0xHH&gt;</c> tokens of its UTF-8
/// bytes (prefix/suffix included) when <c>byte_fallback</c> and all of them exist; else the unk token (consecutive
/// unks fused into one when <c>fuse_unk</c>); else, with no <c>unk_token</c>, it is dropped.</item>
/// <item>Then the adjacent pair with the lowest merge rank (the merge's index; ties: leftmost) is merged, repeatedly.</item>
/// </list>
/// Merges are <c>"a b"</c> strings (exactly one space; <c>#version</c> lines skipped, not ranked) or <c>["a","b"]</c>
/// pairs; a merge's tokens and its result (a + b without b's first prefix-length bytes) must be in the vocabulary.
/// A repeated merge pair keeps its last rank. <c>dropout</c> is validated (0..1) and ignored: inference is
/// deterministic here. Results for pieces under 256 UTF-16 units are cached (at most 10,000).
/// </summary>
public sealed class BpeModel : ITokenizerModel
{
    const int CacheCapacity = 10_000;
    const int MaxCachedLength = 256;

    readonly Dictionary<string, int> vocab;
    readonly Dictionary<int, string> vocabReverse;
    readonly Dictionary<(int, int), (int Rank, int NewId)> merges;
    readonly string? unkToken;
    readonly TokenizerFormatException? unkMissing;
    readonly string? continuingSubwordPrefix;
    readonly string? endOfWordSuffix;
    readonly bool fuseUnk;
    readonly bool byteFallback;
    readonly bool ignoreMerges;
    readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    int cacheCount;

    BpeModel(Dictionary<string, int> vocab, Dictionary<(int, int), (int, int)> merges, string? unkToken, TokenizerFormatException? unkMissing,
        string? continuingSubwordPrefix, string? endOfWordSuffix, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        this.vocab = vocab;
        vocabReverse = new Dictionary<int, string>();
        foreach (var (token, id) in vocab) vocabReverse[id] = token;
        this.merges = merges;
        this.unkToken = unkToken;
        this.unkMissing = unkMissing;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
    }

    public int VocabularySize => vocab.Count;
    public int? TokenToId(string token) => vocab.TryGetValue(token, out int id) ? id : null;
    public string? IdToToken(int id) => vocabReverse.GetValueOrDefault(id);

    public static BpeModel FromJson(TokenizerJson json)
    {
        if (json.Optional("dropout") is { } dropoutJson)
        {
            double dropout = dropoutJson.AsDouble();
            if (dropout is < 0 or > 1) throw dropoutJson.Error("dropout must be between 0 and 1");
        }
        var unkJson = json.Optional("unk_token");
        string? unkToken = unkJson?.AsString();
        string? prefix = json.OptionalString("continuing_subword_prefix");
        string? suffix = json.OptionalString("end_of_word_suffix");
        bool fuseUnk = json.Bool("fuse_unk", false);
        bool byteFallback = json.Bool("byte_fallback", false);
        bool ignoreMerges = json.Bool("ignore_merges", false);

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, idJson) in json.Required("vocab").Members())
        {
            int id = idJson.AsInt();
            if (id < 0) throw idJson.Error($"token id must not be negative, found {id}");
            vocab[token] = id; // a repeated key keeps its last value, as serde's map does
        }

        var merges = ReadMerges(json.Required("merges"), vocab, prefix);

        // tokenizers only fails when an unknown character actually needs the unk token; keep the error for then.
        TokenizerFormatException? unkMissing = unkToken is not null && !vocab.ContainsKey(unkToken)
            ? unkJson!.Value.Error($"unk token '{unkToken}' is not in the vocabulary")
            : null;
        return new BpeModel(vocab, merges, unkToken, unkMissing, prefix, suffix, fuseUnk, byteFallback, ignoreMerges);
    }

    static Dictionary<(int, int), (int, int)> ReadMerges(TokenizerJson mergesJson, Dictionary<string, int> vocab, string? prefix)
    {
        var pairs = new List<(string A, string B, TokenizerJson Source)>();
        var items = mergesJson.Items().ToList();
        bool legacy = items.Count > 0 && items[0].Kind == JsonValueKind.String;
        foreach (var item in items)
        {
            if (legacy)
            {
                string line = item.AsString();
                if (line.StartsWith("#version", StringComparison.Ordinal)) continue;
                string[] parts = line.Split(' ');
                if (parts.Length != 2) throw item.Error($"merge \"{line}\" must be two tokens separated by one space");
                pairs.Add((parts[0], parts[1], item));
            }
            else
            {
                var parts = item.Items().ToList();
                if (parts.Count != 2) throw item.Error($"a merge must be a pair [\"a\", \"b\"], found {parts.Count} elements");
                pairs.Add((parts[0].AsString(), parts[1].AsString(), item));
            }
        }

        int prefixBytes = prefix is null ? 0 : Encoding.UTF8.GetByteCount(prefix);
        var map = new Dictionary<(int, int), (int, int)>(pairs.Count);
        for (int rank = 0; rank < pairs.Count; rank++)
        {
            var (a, b, source) = pairs[rank];
            if (!vocab.TryGetValue(a, out int aId)) throw source.Error($"merge \"{a} {b}\": token '{a}' is not in the vocabulary");
            if (!vocab.TryGetValue(b, out int bId)) throw source.Error($"merge \"{a} {b}\": token '{b}' is not in the vocabulary");
            // The merged token drops b's first prefix-length bytes (b is a continuation carrying the prefix).
            byte[] bBytes = Encoding.UTF8.GetBytes(b);
            if (bBytes.Length < prefixBytes) throw source.Error($"merge \"{a} {b}\": token '{b}' is shorter than the continuing subword prefix");
            string merged = a + Encoding.UTF8.GetString(bBytes, prefixBytes, bBytes.Length - prefixBytes);
            if (!vocab.TryGetValue(merged, out int newId)) throw source.Error($"merge \"{a} {b}\": merged token '{merged}' is not in the vocabulary");
            map[(aId, bId)] = (rank, newId); // a repeated pair keeps its last rank, as tokenizers' map collection does
        }
        return map;
    }

    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0) return;
        if (ignoreMerges && vocab.TryGetValue(piece, out int direct))
        {
            ids.Add(direct);
            return;
        }
        if (cache.TryGetValue(piece, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }
        int[] result = MergeWord(piece);
        if (piece.Length < MaxCachedLength && Volatile.Read(ref cacheCount) < CacheCapacity && cache.TryAdd(piece, result))
            Interlocked.Increment(ref cacheCount);
        ids.AddRange(result);
    }

    int[] MergeWord(string word)
    {
        var symbols = new List<int>(word.Length);
        int? pendingUnk = null;
        int unkId() => unkMissing is not null ? throw unkMissing : vocab[unkToken!];

        for (int i = 0; i < word.Length;)
        {
            int length = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            bool isFirst = i == 0, isLast = i + length == word.Length;
            string s = word.Substring(i, length);
            i += length;
            if (!isFirst && continuingSubwordPrefix is not null) s = continuingSubwordPrefix + s;
            if (isLast && endOfWordSuffix is not null) s += endOfWordSuffix;

            if (vocab.TryGetValue(s, out int id))
            {
                if (pendingUnk is { } unk) { symbols.Add(unk); pendingUnk = null; }
                symbols.Add(id);
                continue;
            }
            // tokenizers adds byte-fallback tokens without first flushing a pending unk; the order is kept.
            if (byteFallback && TryByteFallback(s, symbols)) continue;
            if (unkToken is null) continue;
            if (pendingUnk is { } previous && !fuseUnk) symbols.Add(previous);
            if (pendingUnk is null || !fuseUnk) pendingUnk = unkId();
        }
        if (pendingUnk is { } last) symbols.Add(last);

        MergeAll(symbols);
        return symbols.ToArray();
    }

    bool TryByteFallback(string s, List<int> symbols)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        var found = new int[bytes.Length];
        for (int k = 0; k < bytes.Length; k++)
            if (!vocab.TryGetValue($"<0x{bytes[k]:X2}>", out found[k])) return false;
        symbols.AddRange(found);
        return true;
    }

    /// <summary>
    /// Applies merges lowest rank first (ties: leftmost) over a doubly linked list of symbols, like tokenizers'
    /// word.rs: queued candidates are re-checked when popped, since earlier merges may have consumed them.
    /// </summary>
    void MergeAll(List<int> symbols)
    {
        int n = symbols.Count;
        if (n < 2) return;
        int[] c = symbols.ToArray();
        int[] prev = new int[n], next = new int[n];
        bool[] removed = new bool[n];
        for (int k = 0; k < n; k++) { prev[k] = k - 1; next[k] = k + 1 < n ? k + 1 : -1; }

        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>();
        for (int k = 0; k + 1 < n; k++)
            if (merges.TryGetValue((c[k], c[k + 1]), out var m)) queue.Enqueue((k, m.NewId), (m.Rank, k));

        while (queue.TryDequeue(out var top, out _))
        {
            int pos = top.Pos;
            if (removed[pos] || next[pos] == -1) continue;
            int right = next[pos];
            if (!merges.TryGetValue((c[pos], c[right]), out var current) || current.NewId != top.NewId) continue;

            c[pos] = top.NewId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] != -1) prev[next[right]] = pos;

            if (prev[pos] >= 0 && merges.TryGetValue((c[prev[pos]], c[pos]), out var left))
                queue.Enqueue((prev[pos], left.NewId), (left.Rank, prev[pos]));
            if (next[pos] != -1 && merges.TryGetValue((c[pos], c[next[pos]]), out var after))
                queue.Enqueue((pos, after.NewId), (after.Rank, pos));
        }

        symbols.Clear();
        for (int k = 0; k < n; k++) if (!removed[k]) symbols.Add(c[k]);
    }
}
