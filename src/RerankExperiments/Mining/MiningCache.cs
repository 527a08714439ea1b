using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RerankExperiments.Data;

namespace RerankExperiments.Mining;

/// <summary>
/// Caches mined records under <c>&lt;cacheDirectory&gt;/mining/&lt;key&gt;.jsonl</c> (query-pos-neg with scores) with the
/// run's statistics beside it (<c>&lt;key&gt;.stats.json</c>). The key is the SHA-256 of the input content (queries,
/// positives and corpus texts, length-prefixed), the options and the method (e.g. "bm25", or "bm25+rescore:&lt;model&gt;"),
/// so a run with the same inputs reuses the file and any change recomputes.
/// </summary>
public static class MiningCache
{
    /// <summary>The key of one mining run, 64 lowercase hex digits.</summary>
    public static string Key(IEnumerable<QueryPosNegRecord> records, IEnumerable<string>? corpus, MiningOptions options, string method)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        Add("records");
        foreach (var record in records)
        {
            Add(record.Query);
            Add(record.Positives.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var positive in record.Positives) Add(positive);
        }
        Add(corpus is null ? "no-corpus" : "corpus");
        foreach (var text in corpus ?? []) Add(text);
        Add(JsonSerializer.Serialize(options));
        Add(method);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The cached result for <paramref name="key"/> when present (statistics marked <c>FromCache</c>); otherwise
    /// runs <paramref name="mine"/> and stores its result (atomically) before returning it.
    /// </summary>
    public static MiningResult GetOrMine(string cacheDirectory, string key, Func<MiningResult> mine)
    {
        string folder = Path.Combine(cacheDirectory, "mining");
        string records = Path.Combine(folder, key + ".jsonl"), statistics = Path.Combine(folder, key + ".stats.json");
        if (File.Exists(records) && File.Exists(statistics))
        {
            var stored = JsonSerializer.Deserialize<MiningStatistics>(File.ReadAllText(statistics), JsonOptions);
            if (stored is not null) return new MiningResult(QueryPosNegJsonl.Read(records).ToList(), stored with { FromCache = true });
        }
        var result = mine();
        Directory.CreateDirectory(folder);
        // Trials mining the same data at once (job array tasks sharing the cache) each write their own partial files
        // and rename them into place: equal contents, and no file is written by two processes.
        string partial = "." + Guid.NewGuid().ToString("N") + ".partial";
        QueryPosNegJsonl.Write(records + partial, result.Records);
        File.WriteAllText(statistics + partial, JsonSerializer.Serialize(result.Statistics, JsonOptions));
        File.Move(records + partial, records, overwrite: true);
        File.Move(statistics + partial, statistics, overwrite: true);
        return result;
    }

    static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
