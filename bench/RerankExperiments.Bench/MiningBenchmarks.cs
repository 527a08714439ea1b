using System.Diagnostics;
using System.Text;
using RerankExperiments.Data;
using RerankExperiments.Mining;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Bench;

/// <summary>
/// BM25 hard-negative mining at scale: 100k synthetic passages (40–80 words) and 10k queries (4–8 words drawn
/// from their positive passage), words from a Zipf(1.0) distribution over a 30k-word synthetic vocabulary, all from a
/// fixed seed. Times one index build, then one full mining run (which builds its own index), top and random sampling.
/// </summary>
public static class MiningBenchmarks
{
    public static void Run(TextWriter output, int passages = 100_000, int queries = 10_000)
    {
        var (corpus, records) = Synthetic(passages, queries, seed: 14);
        var ids = Enumerable.Range(0, corpus.Count).Select(i => i.ToString()).ToList();
        var clock = Stopwatch.StartNew();
        var index = Bm25Index.Build(ids, corpus);
        double indexSeconds = clock.Elapsed.TotalSeconds;

        output.WriteLine($"| step | value | unit |");
        output.WriteLine("|---|---:|---|");
        output.WriteLine($"| corpus | {passages} passages, {index.AverageLength:F1} terms each on average | |");
        output.WriteLine($"| queries | {queries} | |");
        output.WriteLine($"| BM25 index build ({passages} passages) | {indexSeconds:F2} | s |");
        index = null;
        foreach (var (label, options) in new[]
        {
            ("mine, top, 10 negatives (range 0–10)", new MiningOptions(NumNegatives: 10)),
            ("mine, random, 10 negatives of ranks 10–50, absolute margin 1", new MiningOptions(NumNegatives: 10, RangeMin: 10, RangeMax: 50, AbsoluteMargin: 1, Sampling: NegativeSampling.Random)),
        })
        {
            clock.Restart();
            var mined = HardNegativeMiner.Mine(records, options, corpus);
            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine($"| {label}: whole run incl. index | {seconds:F2} | s |");
            output.WriteLine($"| {label}: queries/s | {queries / seconds:F0} | queries/s |");
            output.WriteLine($"| {label}: negatives kept, short queries | {mined.Statistics.Negatives}, {mined.Statistics.ShortQueries} | |");
        }
    }

    internal static (List<string> Corpus, List<QueryPosNegRecord> Records) Synthetic(int passages, int queries, long seed)
    {
        var random = new DeterministicRandom(seed);
        const int vocabulary = 30_000;
        var words = new string[vocabulary];
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        for (int w = 0; w < vocabulary; w++)
        {
            var word = new StringBuilder();
            int length = 3 + random.Next(7);
            for (int c = 0; c < length; c++) word.Append(letters[random.Next(letters.Length)]);
            words[w] = word.Append(w).ToString(); // the number keeps words distinct
        }
        var cumulative = new double[vocabulary];
        double total = 0;
        for (int w = 0; w < vocabulary; w++) cumulative[w] = total += 1.0 / (w + 1);
        string Word()
        {
            int at = Array.BinarySearch(cumulative, random.NextDouble() * total);
            return words[Math.Min(vocabulary - 1, at < 0 ? ~at : at)];
        }
        var corpus = new List<string>(passages);
        for (int p = 0; p < passages; p++) corpus.Add(string.Join(' ', Enumerable.Range(0, 40 + random.Next(41)).Select(_ => Word())));
        var records = new List<QueryPosNegRecord>(queries);
        for (int q = 0; q < queries; q++)
        {
            int positive = random.Next(passages);
            var terms = corpus[positive].Split(' ');
            records.Add(new QueryPosNegRecord(string.Join(' ', Enumerable.Range(0, 4 + random.Next(5)).Select(_ => terms[random.Next(terms.Length)])), [corpus[positive]], []));
        }
        return (corpus, records);
    }
}
