using System.Buffers;
using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Models;

/// <summary>
/// sentencepiece's unigram language model (<c>{"type":"Unigram","unk_id":3,"vocab":[[piece,score],...],
/// "byte_fallback":false}</c>; id = index in <c>vocab</c>), encoding as tokenizers' optimized Viterbi does.
/// <para>
/// Rule: positions are walked left to right by character. From each position every vocabulary piece that is a
/// prefix of the rest of the text (shortest first) is an edge; when none of them is exactly one character long,
/// a one-character edge to <c>unk_id</c> scored <c>min_score − 10</c> is added. A position keeps the edge with
/// the highest total score, the first one seen on ties (strict <c>&gt;</c>). Backtracking from the end gives the
/// pieces; consecutive pieces whose id is <c>unk_id</c> (a literal vocabulary entry with that id included) are
/// fused into one string, which is then looked up again: found → its id; otherwise, with byte_fallback and all its
/// UTF-8 bytes present as <c>&lt;0xHH&gt;</c> pieces → those; otherwise <c>unk_id</c>.
/// </para>
/// <para>
/// A piece listed twice resolves to its last id and that id's score, as tokenizers' string→id map does. An empty
/// piece never matches. Without <c>unk_id</c>, a character no piece covers is an error when its unk edge would win
/// (tokenizers' MissingUnkId), reported as <see cref="TokenizationException"/>. The trie works on UTF-16
/// units, which gives the same prefixes as tokenizers' byte trie for well-formed text.
/// </para>
/// </summary>
public sealed class UnigramModel : ITokenizerModel
{
    const double UnknownPenalty = 10.0;

    readonly string[] pieces;
    readonly double[] scores;
    readonly Dictionary<string, int> ids;
    readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> idsBySpan;
    readonly int? unkId;
    readonly double unkScore;
    readonly bool byteFallback;
    readonly int[] byteIds; // id of <0xHH> per byte, -1 when absent

    // Trie over UTF-16 units. The root's children are found by direct indexing; other nodes' children are a
    // sorted run of childLabels/childNodes found by binary search. nodeToken is the id ending at a node, or -1.
    readonly int[] rootChildren;
    readonly int[] childStart;
    readonly int[] childCount;
    readonly char[] childLabels;
    readonly int[] childNodes;
    readonly int[] nodeToken;

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocab, int? unkId, bool byteFallback)
    {
        if (unkId is { } unk)
        {
            if (vocab.Count == 0) throw new ArgumentException("The vocabulary is empty but unk_id is set.", nameof(vocab));
            if (unk < 0 || unk >= vocab.Count) throw new ArgumentOutOfRangeException(nameof(unkId), $"unk_id {unk} is outside the vocabulary of {vocab.Count} pieces.");
        }
        pieces = new string[vocab.Count];
        scores = new double[vocab.Count];
        ids = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        double minScore = double.PositiveInfinity;
        for (int i = 0; i < vocab.Count; i++)
        {
            (pieces[i], scores[i]) = vocab[i];
            ids[pieces[i]] = i;
            if (scores[i] < minScore) minScore = scores[i];
        }
        idsBySpan = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        this.unkId = unkId;
        unkScore = minScore - UnknownPenalty;
        this.byteFallback = byteFallback;
        byteIds = new int[256];
        for (int b = 0; b < 256; b++) byteIds[b] = ids.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;

        (rootChildren, childStart, childCount, childLabels, childNodes, nodeToken) = BuildTrie(ids);
    }

    public static UnigramModel FromJson(TokenizerJson json)
    {
        var vocabJson = json.Required("vocab");
        var vocab = new List<(string, double)>();
        foreach (var entry in vocabJson.Items())
        {
            var pair = entry.Items().ToList();
            if (pair.Count != 2) throw entry.Error($"expected [piece, score], found an array of {pair.Count} elements.");
            vocab.Add((pair[0].AsString(), pair[1].AsDouble()));
        }
        int? unkId = null;
        if (json.Optional("unk_id") is { } unkJson)
        {
            unkId = unkJson.AsInt();
            if (vocab.Count == 0) throw unkJson.Error("the vocabulary is empty but unk_id is set.");
            if (unkId < 0 || unkId >= vocab.Count) throw unkJson.Error($"unk_id {unkId} is outside the vocabulary of {vocab.Count} pieces.");
        }
        return new UnigramModel(vocab, unkId, json.Bool("byte_fallback", false));
    }

    public int VocabularySize => pieces.Length;

    public int? TokenToId(string token) => ids.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id) => (uint)id < (uint)pieces.Length ? pieces[id] : null;

    public void Tokenize(string piece, List<int> output)
    {
        int size = piece.Length;
        if (size == 0) return;
        var bestScore = ArrayPool<double>.Shared.Rent(size + 1);
        var bestStart = ArrayPool<int>.Shared.Rent(size + 1); // -1: no path ends here yet
        var bestId = ArrayPool<int>.Shared.Rent(size + 1);
        try
        {
            Array.Fill(bestStart, -1, 0, size + 1);
            bestScore[0] = 0;
            Forward(piece, bestScore, bestStart, bestId);
            Backtrack(piece, bestStart, bestId, output);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(bestScore);
            ArrayPool<int>.Shared.Return(bestStart);
            ArrayPool<int>.Shared.Return(bestId);
        }
    }

    void Forward(string text, double[] bestScore, int[] bestStart, int[] bestId)
    {
        int size = text.Length;
        for (int start = 0; start < size;)
        {
            // A position no path reaches scores 0, as tokenizers' default node does.
            double here = bestStart[start] >= 0 || start == 0 ? bestScore[start] : 0;
            int charLength = char.IsHighSurrogate(text[start]) && start + 1 < size && char.IsLowSurrogate(text[start + 1]) ? 2 : 1;
            bool hasSingleCharacter = false;

            int node = rootChildren[text[start]];
            for (int end = start + 1; node >= 0; end++)
            {
                int token = nodeToken[node];
                if (token >= 0)
                {
                    double candidate = here + scores[token];
                    if (bestStart[end] < 0 || candidate > bestScore[end])
                    {
                        bestScore[end] = candidate;
                        bestStart[end] = start;
                        bestId[end] = token;
                    }
                    if (end - start == charLength) hasSingleCharacter = true;
                }
                if (end == size) break;
                node = Child(node, text[end]);
            }

            if (!hasSingleCharacter)
            {
                int end = start + charLength;
                double candidate = here + unkScore;
                if (bestStart[end] < 0 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = unkId ?? throw MissingUnk(text.Substring(start, charLength));
                }
            }
            start += charLength;
        }
    }

    void Backtrack(string text, int[] bestStart, int[] bestId, List<int> output)
    {
        // Segment ends, last first; then emitted left to right so fused unknowns and byte fallback stay simple.
        int size = text.Length;
        var ends = ArrayPool<int>.Shared.Rent(size + 1);
        try
        {
            int count = 0;
            for (int end = size; end > 0; end = bestStart[end])
            {
                if (bestStart[end] < 0) throw new TokenizationException("Unigram: no segmentation reaches the end of the text.");
                ends[count++] = end;
            }
            int unknownFrom = -1; // start of the current run of unk pieces
            int start = 0;
            for (int k = count - 1; k >= 0; k--)
            {
                int end = ends[k];
                int id = bestId[end];
                if (unkId == id)
                {
                    if (unknownFrom < 0) unknownFrom = start;
                }
                else
                {
                    if (unknownFrom >= 0) EmitUnknown(text.AsSpan(unknownFrom, start - unknownFrom), output);
                    unknownFrom = -1;
                    output.Add(id);
                }
                start = end;
            }
            if (unknownFrom >= 0) EmitUnknown(text.AsSpan(unknownFrom, size - unknownFrom), output);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ends);
        }
    }

    /// <summary>A fused run of unk pieces: its own id if it is a piece, else its bytes, else unk_id.</summary>
    void EmitUnknown(ReadOnlySpan<char> run, List<int> output)
    {
        if (idsBySpan.TryGetValue(run, out int id))
        {
            output.Add(id);
            return;
        }
        if (byteFallback)
        {
            int byteCount = Encoding.UTF8.GetByteCount(run);
            Span<byte> bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
            Encoding.UTF8.GetBytes(run, bytes);
            bool all = true;
            foreach (byte b in bytes) all &= byteIds[b] >= 0;
            if (all)
            {
                foreach (byte b in bytes) output.Add(byteIds[b]);
                return;
            }
        }
        output.Add(unkId ?? throw MissingUnk(run.ToString()));
    }

    static TokenizationException MissingUnk(string text) =>
        new($"Unigram: '{text}' has no vocabulary piece and the model has no unk_id.");

    int Child(int node, char label)
    {
        int lo = childStart[node], hi = lo + childCount[node] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            char c = childLabels[mid];
            if (c == label) return childNodes[mid];
            if (c < label) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    static (int[] Root, int[] Start, int[] Count, char[] Labels, int[] Nodes, int[] Token) BuildTrie(Dictionary<string, int> ids)
    {
        // Edges keyed by (parent << 16 | label); node 0 is the root.
        var edges = new Dictionary<long, int>();
        var tokens = new List<int> { -1 };
        foreach (var (piece, id) in ids)
        {
            if (piece.Length == 0) continue; // tokenizers' trie never reports the empty key
            int node = 0;
            foreach (char c in piece)
            {
                long key = ((long)node << 16) | c;
                if (!edges.TryGetValue(key, out int child))
                {
                    child = tokens.Count;
                    tokens.Add(-1);
                    edges.Add(key, child);
                }
                node = child;
            }
            tokens[node] = id;
        }

        var root = new int[char.MaxValue + 1];
        Array.Fill(root, -1);
        var start = new int[tokens.Count];
        var count = new int[tokens.Count];
        var keys = edges.Keys.Where(k => k >> 16 != 0).Order().ToArray();
        var labels = new char[keys.Length];
        var nodes = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            int parent = (int)(keys[i] >> 16);
            if (count[parent]++ == 0) start[parent] = i;
            labels[i] = (char)(keys[i] & 0xFFFF);
            nodes[i] = edges[keys[i]];
        }
        foreach (var (key, child) in edges)
            if (key >> 16 == 0) root[(int)(key & 0xFFFF)] = child;
        return (root, start, count, labels, nodes, tokens.ToArray());
    }
}
