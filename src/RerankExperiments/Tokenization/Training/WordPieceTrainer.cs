using RerankExperiments.Tokenization.Normalizers;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tokenization.Training;

/// <summary>Settings of <see cref="WordPieceTrainer"/>; defaults as tokenizers' WordPieceTrainer.</summary>
public sealed record WordPieceTrainerOptions(
    int VocabularySize = 30000,
    long MinFrequency = 0,
    IReadOnlyList<string>? SpecialTokens = null,
    int? LimitAlphabet = null,
    string ContinuingSubwordPrefix = "##");

/// <summary>
/// Trains a WordPiece vocabulary the way tokenizers' WordPieceTrainer does: it runs the BPE trainer with the
/// continuation prefix "##" and keeps the resulting vocabulary.
/// <list type="number">
/// <item>Words are counted after normalization and pre-tokenization.</item>
/// <item>The vocabulary starts with the special tokens, then the alphabet (every character, or the
/// <see cref="WordPieceTrainerOptions.LimitAlphabet"/> most frequent), sorted by code point.</item>
/// <item>Each word becomes symbols: its first character, then "##"-prefixed characters.</item>
/// <item>Repeatedly the most frequent adjacent pair (weighted by word counts; ties to the pair of lower ids) is
/// merged — "##"-prefix of the right part dropped, so "a"+"##b" → "ab", "##a"+"##b" → "##ab" — until the
/// vocabulary is full or the best count falls below <see cref="WordPieceTrainerOptions.MinFrequency"/>.</item>
/// </list>
/// tokenizers iterates words in hash order, which makes the ids of "##x" symbols vary from run to run; here words
/// are visited in ordinal order, so training is deterministic.
/// </summary>
public sealed class WordPieceTrainer(WordPieceTrainerOptions options)
{
    public WordPieceTrainerOptions Options { get; } = options;

    /// <summary>Counts the words of <paramref name="texts"/> after <paramref name="normalizer"/> and <paramref name="preTokenizer"/>.</summary>
    public static Dictionary<string, long> CountWords(IEnumerable<string> texts, INormalizer? normalizer, IPreTokenizer? preTokenizer)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var pieces = new List<Piece>();
        foreach (var text in texts)
        {
            string normalized = normalizer?.Normalize(text) ?? text;
            pieces.Clear();
            if (preTokenizer is null) pieces.Add(new Piece(normalized, true));
            else preTokenizer.Split(new Piece(normalized, true), pieces);
            foreach (var piece in pieces)
                if (piece.Text.Length > 0) counts[piece.Text] = counts.GetValueOrDefault(piece.Text) + 1;
        }
        return counts;
    }

    /// <summary>The trained vocabulary: token → id.</summary>
    public Dictionary<string, int> Train(IReadOnlyDictionary<string, long> wordCounts)
    {
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokens = new List<string>();
        int Add(string token)
        {
            if (idOf.TryGetValue(token, out int id)) return id;
            idOf[token] = tokens.Count;
            tokens.Add(token);
            return tokens.Count - 1;
        }
        foreach (var special in Options.SpecialTokens ?? []) Add(special);

        // Alphabet: characters by total frequency, limited if asked, then added in code-point order.
        var frequency = new Dictionary<int, long>();
        foreach (var (word, count) in wordCounts)
            foreach (var rune in word.EnumerateRunes()) frequency[rune.Value] = frequency.GetValueOrDefault(rune.Value) + count;
        var alphabet = frequency.OrderByDescending(f => f.Value).ThenBy(f => f.Key).Select(f => f.Key).ToList();
        if (Options.LimitAlphabet is { } limit && alphabet.Count > limit) alphabet = alphabet.Take(limit).ToList();
        var kept = alphabet.ToHashSet();
        foreach (int c in alphabet.Order()) Add(char.ConvertFromUtf32(c));

        // Words as symbol ids: first character plain, the rest with the continuation prefix.
        var words = wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal).ToList();
        var symbols = new List<int>[words.Count];
        var counts = new long[words.Count];
        for (int w = 0; w < words.Count; w++)
        {
            counts[w] = words[w].Value;
            symbols[w] = [];
            bool first = true;
            foreach (var rune in words[w].Key.EnumerateRunes())
            {
                if (!kept.Contains(rune.Value)) { first = false; continue; }
                string symbol = first ? rune.ToString() : Options.ContinuingSubwordPrefix + rune;
                symbols[w].Add(Add(symbol));
                first = false;
            }
        }

        // Pair counts and the words each pair occurs in.
        var pairCounts = new Dictionary<(int, int), long>();
        var where = new Dictionary<(int, int), HashSet<int>>();
        for (int w = 0; w < words.Count; w++)
            for (int i = 0; i + 1 < symbols[w].Count; i++)
            {
                var pair = (symbols[w][i], symbols[w][i + 1]);
                pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + counts[w];
                if (!where.TryGetValue(pair, out var set)) where[pair] = set = [];
                set.Add(w);
            }

        // Highest count first; equal counts: the pair with lower ids.
        var queue = new PriorityQueue<(int, int), (long, int, int)>(Comparer<(long Count, int A, int B)>.Create((x, y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B)));
        foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (count, pair.Item1, pair.Item2));

        while (tokens.Count < Options.VocabularySize && queue.TryDequeue(out var top, out var priority))
        {
            long current = pairCounts.GetValueOrDefault(top);
            if (current != priority.Item1)
            {
                if (current > 0) queue.Enqueue(top, (current, top.Item1, top.Item2));
                continue;
            }
            if (current < 1 || current < Options.MinFrequency) break;

            string right = tokens[top.Item2];
            if (right.StartsWith(Options.ContinuingSubwordPrefix, StringComparison.Ordinal)) right = right[Options.ContinuingSubwordPrefix.Length..];
            int merged = Add(tokens[top.Item1] + right);

            var changed = new Dictionary<(int, int), long>();
            foreach (int w in where[top].Order().ToList())
            {
                var s = symbols[w];
                for (int i = 0; i + 1 < s.Count; i++)
                {
                    if (s[i] != top.Item1 || s[i + 1] != top.Item2) continue;
                    long count = counts[w];
                    if (i > 0) Shift(changed, pairCounts, where, (s[i - 1], s[i]), -count, w, (s[i - 1], merged), count);
                    if (i + 2 < s.Count) Shift(changed, pairCounts, where, (s[i + 1], s[i + 2]), -count, w, (merged, s[i + 2]), count);
                    s[i] = merged;
                    s.RemoveAt(i + 1);
                }
            }
            pairCounts[top] = 0;
            foreach (var (pair, _) in changed)
                if (pairCounts.GetValueOrDefault(pair) > 0) queue.Enqueue(pair, (pairCounts[pair], pair.Item1, pair.Item2));
        }
        return idOf;
    }

    static void Shift(Dictionary<(int, int), long> changed, Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> where,
        (int, int) removed, long removedDelta, int word, (int, int) added, long addedDelta)
    {
        pairCounts[removed] = pairCounts.GetValueOrDefault(removed) + removedDelta;
        pairCounts[added] = pairCounts.GetValueOrDefault(added) + addedDelta;
        if (!where.TryGetValue(added, out var set)) where[added] = set = [];
        set.Add(word);
        changed[added] = 0;
    }
}
