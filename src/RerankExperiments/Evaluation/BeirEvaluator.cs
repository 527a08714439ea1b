using RerankExperiments.Mining;
using RerankExperiments.Modeling;

namespace RerankExperiments.Evaluation;

/// <summary>
/// sentence-transformers' CrossEncoderNanoBEIREvaluator for one dataset, from a local BEIR folder or a Hub dataset
/// (see <see cref="BeirDataset"/>, <see cref="HubBeirDatasets"/>): every query with at least one judgement of score
/// &gt; 0 becomes a <see cref="RerankingSample"/> whose positives are those documents and whose documents are the
/// first stage's top <c>RerankK</c>, reranked by a <see cref="RerankingEvaluator"/> named <c>{name}_R{RerankK}</c>.
/// The first stage is the dataset's precomputed ranking when it has one (<see cref="BeirDataset.Rankings"/>: the
/// NanoBEIR BM25 rankings sentence-transformers reranks, so the numbers match its evaluator; only ranked queries
/// count, as there), else BM25 over the corpus here (<see cref="Bm25Index"/>). Keys: <c>{name}_R100_map</c>, <c>{name}_R100_mrr@10</c>,
/// <c>{name}_R100_ndcg@10</c> and the BM25 order's <c>{name}_R100_base_map</c>, <c>…_base_mrr@10</c>,
/// <c>…_base_ndcg@10</c>; primary <c>{name}_R100_ndcg@10</c>. Relevance is binary (graded scores &gt; 0 all count
/// as 1) and, as in sentence-transformers, decided by text equality. The corpus is indexed and searched once, at
/// construction.
/// </summary>
public sealed class BeirEvaluator : IEvaluator
{
    readonly RerankingEvaluator _reranking;

    public BeirEvaluator(string folder, BeirEvaluatorOptions? options = null)
        : this(BeirDataset.Load(folder, (options ?? new()).Split), NamedAfter(folder, options ?? new()))
    {
    }

    static BeirEvaluatorOptions NamedAfter(string folder, BeirEvaluatorOptions options) =>
        options.Name is null ? options with { Name = new DirectoryInfo(folder).Name } : options;

    public BeirEvaluator(BeirDataset dataset, BeirEvaluatorOptions? options = null)
    {
        Options = (options ?? new()).Validated();
        var corpus = dataset.Corpus;
        var texts = corpus.Select(d => d.Content(Options.WithTitle)).ToList();
        var textById = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < corpus.Count; i++) textById[corpus[i].Id] = texts[i];

        var rankings = dataset.Rankings;
        var judged = dataset.Queries
            .Where(q => dataset.Qrels.TryGetValue(q.Id, out var judgements) && judgements.Values.Any(score => score > 0))
            .Where(q => rankings is null || rankings.ContainsKey(q.Id))
            .Take(Options.MaxQueries ?? int.MaxValue)
            .ToList();
        if (judged.Count == 0)
            throw new ArgumentException($"No query of split '{Options.Split}' has a relevant document{(rankings is null ? "" : " and a ranking")}.", nameof(dataset));
        List<List<string>> candidates;
        if (rankings is not null)
            candidates = [.. judged.Select(q => rankings[q.Id].Take(Options.RerankK).Select(id => textById[id]).ToList())];
        else
        {
            var index = Bm25Index.Build(corpus.Select(d => d.Id).ToList(), texts, Options.Analyzer, Options.Bm25);
            candidates = [.. index.SearchMany(judged.Select(q => q.Text).ToList(), Options.RerankK).Select(hits => hits.Select(h => texts[h.Index]).ToList())];
        }
        Samples = judged.Select((q, i) => RerankingSample.WithDocuments(
            q.Text,
            dataset.Qrels[q.Id].Where(j => j.Value > 0).Select(j => textById[j.Key]).ToList(),
            candidates[i])).ToList();
        _reranking = new RerankingEvaluator(Samples, $"{Options.Name ?? "BEIR"}_R{Options.RerankK}", Options.AtK, Options.AlwaysRerankPositives);
    }

    public BeirEvaluatorOptions Options { get; }

    /// <summary>The reranking samples: judged queries with their positives and first-stage candidates.</summary>
    public IReadOnlyList<RerankingSample> Samples { get; }

    /// <summary>"{name}_R{RerankK}", the prefix of every key.</summary>
    public string Name => _reranking.Name;

    public string PrimaryMetric => _reranking.PrimaryMetric;

    public IReadOnlyDictionary<string, double> Evaluate(Reranker reranker) => _reranking.Evaluate(reranker);

    /// <summary>Evaluates with any pair scorer (one score per pair, input order, higher = more relevant).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(Func<IReadOnlyList<(string Query, string Passage)>, float[]> score) => _reranking.Evaluate(score);
}
