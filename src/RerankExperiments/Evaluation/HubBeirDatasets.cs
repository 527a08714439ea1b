using System.Globalization;
using RerankExperiments.Data;
using RerankExperiments.Hub;

namespace RerankExperiments.Evaluation;

/// <summary>
/// BEIR-style datasets on the Hugging Face Hub (<see cref="HubBeirReference"/>), read into a <see cref="BeirDataset"/>
/// through the Hub cache. These repos keep one config per folder, each with the same splits
/// (<c>&lt;config&gt;/&lt;split&gt;-00000-of-00001.parquet</c>), and come in three families:
/// <list type="bullet">
/// <item><c>zeta-alpha-ai/Nano{X}</c> (NanoBEIR; what sentence-transformers' NanoBEIREvaluator reads): <c>corpus</c>
/// (_id, text), <c>queries</c> (_id, text), <c>qrels</c> (query-id, corpus-id), split <c>train</c>. No ranking: BM25
/// runs here.</item>
/// <item><c>sentence-transformers/Nano{X}-bm25</c> (what CrossEncoderNanoBEIREvaluator reads in sentence-transformers
/// v4–v5.1): <c>corpus</c>, <c>queries</c> and <c>relevance</c> (query-id, positive-corpus-ids, bm25-ranked-ids), split
/// <c>train</c>.</item>
/// <item><c>sentence-transformers/NanoBEIR-en</c> (its CrossEncoderNanoEvaluator since v5.2): <c>corpus</c>,
/// <c>queries</c>, <c>qrels</c> and <c>bm25</c> (query-id, corpus-ids), one split per dataset (<c>NanoNFCorpus</c>, …).</item>
/// </list>
/// Judgements come from <c>qrels</c> (an optional <c>score</c> column, else 1) or else <c>relevance</c>'s positives;
/// the precomputed BM25 ranking from <c>relevance</c>'s bm25-ranked-ids or else the <c>bm25</c> config, so the reranked
/// candidates are the ones sentence-transformers reranks. Ids may be strings or whole numbers. A missing config,
/// column or id is an error naming the file and row.
/// </summary>
public static class HubBeirDatasets
{
    /// <summary>
    /// A BEIR dataset as users name it: a local folder (qrels/<paramref name="split"/>.tsv, default test) or a Hub
    /// dataset hf:org/name[:split] (<see cref="Load"/>). The one entry point of the runner and `rerank eval`.
    /// </summary>
    public static BeirDataset LoadFolderOrHub(string path, string? split, HubSettings settings) =>
        HubBeirReference.IsHub(path) ? Load(path, settings, split) : BeirDataset.Load(path, split ?? "test");

    /// <summary>An evaluator's default name for <paramref name="path"/>: the Hub dataset's (NanoNFCorpus) or the folder's.</summary>
    public static string NameOf(string path) => HubBeirReference.IsHub(path) ? HubBeirReference.Parse(path).DefaultName : new DirectoryInfo(path).Name;

    /// <summary>Loads <paramref name="path"/> (hf:org/name[:split]); <paramref name="split"/> applies when the path names none.</summary>
    public static BeirDataset Load(string path, HubSettings settings, string? split = null)
    {
        var reference = HubBeirReference.Parse(path);
        using var client = new HubClient(settings);
        return LoadAsync(client, reference with { Split = reference.Split ?? split }).GetAwaiter().GetResult();
    }

    public static async Task<BeirDataset> LoadAsync(HubClient client, HubBeirReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(reference);
        var listing = await client.ListRepoFilesAsync(reference.Repo, "main", RepoType.Dataset, cancellationToken).ConfigureAwait(false);
        string split = reference.Split ?? OnlySplit(reference, listing.Files);

        async Task<IReadOnlyList<string>> Files(string config, bool required)
        {
            var files = DatasetSplitFiles.Select(listing.Files, split, config);
            if (files.Count == 0 && required)
            {
                var splits = DatasetSplitFiles.SplitNames(listing.Files, config);
                throw new HubException(HubErrorKind.EntryNotFound, $"{reference}: no {config}/ files for split '{split}'"
                    + (splits.Count > 0 ? $" (its splits: {string.Join(", ", splits)})" : "")
                    + "; a BEIR-style Hub dataset has corpus/, queries/ and qrels/ (or relevance/) folders, one file set per split.");
            }
            var paths = new List<string>(files.Count);
            foreach (var file in files)
                paths.Add(await client.DownloadFileAsync(reference.Repo, file, listing.Commit, RepoType.Dataset, cancellationToken).ConfigureAwait(false));
            return paths;
        }

        var corpusFiles = await Files("corpus", required: true).ConfigureAwait(false);
        var queryFiles = await Files("queries", required: true).ConfigureAwait(false);
        var qrelsFiles = await Files("qrels", required: false).ConfigureAwait(false);
        var relevanceFiles = await Files("relevance", required: false).ConfigureAwait(false);
        var bm25Files = relevanceFiles.Count > 0 ? [] : await Files("bm25", required: false).ConfigureAwait(false);
        if (qrelsFiles.Count == 0 && relevanceFiles.Count == 0) await Files("qrels", required: true).ConfigureAwait(false);

        var corpus = new List<BeirDocument>();
        var corpusIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in Rows(corpusFiles))
        {
            string id = Id(row, "_id");
            if (!corpusIds.Add(id)) throw row.Error($"document id '{id}' occurs twice.");
            corpus.Add(new BeirDocument(id, Text(row, "title", required: false) ?? "", Text(row, "text", required: true)!));
        }
        var queries = new List<(string Id, string Text)>();
        var queryIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in Rows(queryFiles))
        {
            string id = Id(row, "_id");
            if (!queryIds.Add(id)) throw row.Error($"query id '{id}' occurs twice.");
            queries.Add((id, Text(row, "text", required: true)!));
        }

        string KnownQuery(DataRow row, string column)
        {
            string id = Id(row, column);
            return queryIds.Contains(id) ? id : throw row.Error($"query id '{id}' is not among the queries ({reference}, queries/).");
        }
        List<string> KnownDocuments(DataRow row, string column)
        {
            var ids = IdList(row, column);
            foreach (var id in ids)
                if (!corpusIds.Contains(id)) throw row.Error($"document id '{id}' in \"{column}\" is not in the corpus ({reference}, corpus/).");
            return ids;
        }

        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        Dictionary<string, IReadOnlyList<string>>? rankings = null;
        void Judge(string queryId, string documentId, int score)
        {
            if (!qrels.TryGetValue(queryId, out var judged)) qrels[queryId] = judged = new Dictionary<string, int>(StringComparer.Ordinal);
            judged[documentId] = score;
        }
        foreach (var row in Rows(qrelsFiles))
        {
            string queryId = KnownQuery(row, "query-id");
            // One judgement a row, or (as sentence-transformers also accepts) a list of corpus ids.
            var documentIds = row["corpus-id"] is IReadOnlyList<object?> ? KnownDocuments(row, "corpus-id") : [Id(row, "corpus-id")];
            foreach (var documentId in documentIds)
            {
                if (!corpusIds.Contains(documentId)) throw row.Error($"document id '{documentId}' is not in the corpus ({reference}, corpus/).");
                Judge(queryId, documentId, Score(row));
            }
        }
        foreach (var row in Rows(relevanceFiles))
        {
            string queryId = KnownQuery(row, "query-id");
            if (qrelsFiles.Count == 0)
                foreach (var id in KnownDocuments(row, "positive-corpus-ids")) Judge(queryId, id, 1);
            if (row.Has("bm25-ranked-ids")) (rankings ??= new(StringComparer.Ordinal))[queryId] = KnownDocuments(row, "bm25-ranked-ids");
        }
        foreach (var row in Rows(bm25Files))
            (rankings ??= new(StringComparer.Ordinal))[KnownQuery(row, "query-id")] = KnownDocuments(row, "corpus-ids");

        return BeirDataset.Create(corpus, queries,
            qrels.ToDictionary(q => q.Key, q => (IReadOnlyDictionary<string, int>)q.Value, StringComparer.Ordinal), rankings, reference.ToString());
    }

    /// <summary>The split when the queries config has exactly one; otherwise an error listing them.</summary>
    static string OnlySplit(HubBeirReference reference, IReadOnlyList<string> files)
    {
        var splits = DatasetSplitFiles.SplitNames(files, "queries");
        return splits.Count switch
        {
            1 => splits[0],
            0 => throw new HubException(HubErrorKind.EntryNotFound,
                $"{reference}: no queries/ files; a BEIR-style Hub dataset has corpus/, queries/ and qrels/ (or relevance/) folders, one file set per split."),
            _ => throw new HubException(HubErrorKind.EntryNotFound,
                $"{reference}: has the splits {string.Join(", ", splits)}; name one, e.g. {reference with { Split = splits[0] }} (or split: {splits[0]})."),
        };
    }

    static IEnumerable<DataRow> Rows(IEnumerable<string> files) => files.SelectMany(file => RowSources.Open(file).ReadRows());

    /// <summary>An id: a string, or a whole number written without a fraction.</summary>
    static string Id(DataRow row, string column) => IdOf(row, column, row[column]);

    static string IdOf(DataRow row, string column, object? value) => value switch
    {
        string text => text,
        double number when double.IsInteger(number) => number.ToString("0", CultureInfo.InvariantCulture),
        null => throw row.Error($"\"{column}\" is missing (columns: {string.Join(", ", row.Values.Keys)})."),
        _ => throw row.Error($"\"{column}\" must be a string or a whole number, not {value}."),
    };

    static List<string> IdList(DataRow row, string column) => row[column] switch
    {
        IReadOnlyList<object?> items => [.. items.Select(item => IdOf(row, column, item))],
        null => throw row.Error($"\"{column}\" is missing (columns: {string.Join(", ", row.Values.Keys)})."),
        var other => throw row.Error($"\"{column}\" must be a list of ids, not {other}."),
    };

    static string? Text(DataRow row, string column, bool required) => row[column] switch
    {
        string text => text,
        null when !required => null,
        null => throw row.Error($"\"{column}\" is missing (columns: {string.Join(", ", row.Values.Keys)})."),
        var other => throw row.Error($"\"{column}\" must be a string, not {other}."),
    };

    /// <summary>qrels' graded score when the config has one (BEIR's score column), else 1 (NanoBEIR lists positives only).</summary>
    static int Score(DataRow row) => row["score"] switch
    {
        null => 1,
        double number when double.IsInteger(number) => (int)number,
        var other => throw row.Error($"\"score\" must be a whole number, not {other}."),
    };
}
