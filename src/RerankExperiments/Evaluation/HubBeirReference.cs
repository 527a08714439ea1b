using RerankExperiments.Hub;

namespace RerankExperiments.Evaluation;

/// <summary>
/// A BEIR-style evaluation dataset on the Hugging Face Hub as users write it: <c>hf:org/name[:split]</c>, e.g.
/// <c>hf:zeta-alpha-ai/NanoNFCorpus</c>, <c>hf:sentence-transformers/NanoNFCorpus-bm25</c> or
/// <c>hf:sentence-transformers/NanoBEIR-en:NanoNFCorpus</c>. Parsing needs no network, so experiments validate offline.
/// </summary>
/// <param name="Repo">The dataset repo id.</param>
/// <param name="Split">The split every config is read at; null: the only split the repo has.</param>
public sealed record HubBeirReference(string Repo, string? Split)
{
    public const string Prefix = "hf:";

    /// <summary>Whether <paramref name="path"/> names a Hub dataset (starts with hf:) rather than a local folder.</summary>
    public static bool IsHub(string path) => path.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The reference, or null with <paramref name="problem"/> saying what is wrong with it.</summary>
    public static HubBeirReference? TryParse(string path, out string? problem)
    {
        problem = null;
        if (!IsHub(path))
        {
            problem = $"'{path}' does not start with {Prefix}.";
            return null;
        }
        string spec = path[Prefix.Length..];
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string repo = colon >= 0 ? spec[..colon] : spec;
        string? split = colon >= 0 ? spec[(colon + 1)..] : null;
        if (!HubNames.IsRepoId(repo) || !repo.Contains('/', StringComparison.Ordinal))
            problem = $"'{path}': '{repo}' is not a Hub dataset id; write {Prefix}org/name[:split].";
        else if (split is not null && (split.Length == 0 || split.Contains('/', StringComparison.Ordinal) || split.Contains(':', StringComparison.Ordinal)))
            problem = $"'{path}': '{split}' is not a split name; write {Prefix}org/name[:split].";
        return problem is null ? new HubBeirReference(repo, split) : null;
    }

    /// <summary>The reference; an <see cref="ArgumentException"/> when the text is not one.</summary>
    public static HubBeirReference Parse(string path) =>
        TryParse(path, out var problem) ?? throw new ArgumentException(problem, nameof(path));

    /// <summary>
    /// The evaluator name sentence-transformers gives the dataset, so metric keys match its (NanoNFCorpus_R100_ndcg@10):
    /// the split when it names the dataset (NanoBEIR-en's NanoNFCorpus), else the repo name without a -bm25 suffix.
    /// </summary>
    public string DefaultName
    {
        get
        {
            if (Split is not null && !GenericSplits.Contains(Split)) return Split;
            string name = Repo[(Repo.IndexOf('/', StringComparison.Ordinal) + 1)..];
            return name.EndsWith("-bm25", StringComparison.OrdinalIgnoreCase) ? name[..^"-bm25".Length] : name;
        }
    }

    static readonly HashSet<string> GenericSplits = new(["train", "test", "validation", "dev"], StringComparer.OrdinalIgnoreCase);

    public override string ToString() => Split is null ? $"{Prefix}{Repo}" : $"{Prefix}{Repo}:{Split}";
}
