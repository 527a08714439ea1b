using RerankExperiments.Data;

namespace RerankExperiments.Hub;

/// <summary>
/// Hugging Face Hub datasets by repo id and split, as <c>load_dataset("org/name", split="train")</c> names them.
/// The split's files are picked from the repo listing at the revision by <see cref="DatasetSplitFiles"/>; when the
/// revision has none for the split, the Hub's Parquet conversion on <see cref="ParquetConversionRevision"/> is tried:
/// <c>&lt;config or "default"&gt;/&lt;split&gt;/*.parquet</c>, else <c>&lt;config&gt;/partial-&lt;split&gt;/*.parquet</c>.
/// Files go into the shared cache (<c>datasets--org--name</c>); offline, listing and files come from the cache.
/// </summary>
public static class HubDatasets
{
    /// <summary>The branch on which the Hub keeps its Parquet export of a dataset.</summary>
    public const string ParquetConversionRevision = "refs/convert/parquet";

    /// <summary>The config the Parquet conversion uses for a dataset without named configs.</summary>
    public const string DefaultConfig = "default";

    /// <summary>
    /// The local paths of the split's data files, in path order. An unknown split is a <see cref="HubException"/>
    /// (<see cref="HubErrorKind.EntryNotFound"/>) naming the splits the file names suggest. The conversion fallback
    /// always reads <see cref="ParquetConversionRevision"/>, whatever <paramref name="revision"/> is; offline, a split
    /// resolves only if its files were downloaded before (listing and files both come from the cache).
    /// </summary>
    public static async Task<IReadOnlyList<string>> ResolveSplitAsync(HubClient client, string repoId, string split, string? config = null, string revision = "main", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        if (split.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException($"'{split}' is not a split name", nameof(split));

        var listing = await client.ListRepoFilesAsync(repoId, revision, RepoType.Dataset, cancellationToken).ConfigureAwait(false);
        var files = DatasetSplitFiles.Select(listing.Files, split, config);
        var commit = listing.Commit;
        var knownSplits = DatasetSplitFiles.SplitNames(listing.Files, config);

        if (files.Count == 0)
        {
            var conversion = await TryListConversionAsync(client, repoId, cancellationToken).ConfigureAwait(false);
            if (conversion is not null)
            {
                var folder = (config ?? DefaultConfig) + "/";
                files = ParquetUnder(conversion.Files, $"{folder}{split}/");
                if (files.Count == 0)
                    files = ParquetUnder(conversion.Files, $"{folder}partial-{split}/");
                commit = conversion.Commit;
                if (knownSplits.Count == 0)
                    knownSplits = ConversionSplits(conversion.Files, folder);
            }
        }
        if (files.Count == 0)
        {
            var where = config is null ? "" : $" (config {config})";
            var found = knownSplits.Count == 0 ? "no data files found" : "splits found: " + string.Join(", ", knownSplits);
            var cached = listing.FromCache ? " in the cached files" : "";
            throw new HubException(HubErrorKind.EntryNotFound, $"no split '{split}'{where} in dataset {repoId} at revision {revision}{cached}; {found}");
        }

        var paths = new List<string>(files.Count);
        foreach (var file in files)
            paths.Add(await client.DownloadFileAsync(repoId, file, commit, RepoType.Dataset, cancellationToken).ConfigureAwait(false));
        return paths;
    }

    /// <summary>
    /// Every example of the split: <see cref="RankingDatasets.Load"/> on each file in order, concatenated (skipped rows
    /// too, when <see cref="DatasetReadOptions.SkipBadRows"/> is set).
    /// </summary>
    public static async Task<DatasetLoadResult> LoadAsync(HubClient client, string repoId, string split, DatasetReadOptions options, string? config = null, string revision = "main", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var paths = await ResolveSplitAsync(client, repoId, split, config, revision, cancellationToken).ConfigureAwait(false);
        var examples = new List<RankingExample>();
        var skipped = new List<DataFormatException>();
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = RankingDatasets.Load(path, options);
            examples.AddRange(result.Examples);
            skipped.AddRange(result.Skipped);
        }
        return new DatasetLoadResult(examples, skipped);
    }

    /// <summary>The conversion branch's listing, or null when the dataset has none (or, offline, none is cached).</summary>
    private static async Task<HubRepoListing?> TryListConversionAsync(HubClient client, string repoId, CancellationToken cancellationToken)
    {
        try
        {
            return await client.ListRepoFilesAsync(repoId, ParquetConversionRevision, RepoType.Dataset, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind is HubErrorKind.RepositoryNotFound or HubErrorKind.NotCached)
        {
            return null;
        }
    }

    private static IReadOnlyList<string> ParquetUnder(IReadOnlyList<string> files, string folder) =>
        [.. files
            .Where(file => file.StartsWith(folder, StringComparison.Ordinal)
                && !file[folder.Length..].Contains('/', StringComparison.Ordinal)
                && file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];

    private static IReadOnlyList<string> ConversionSplits(IReadOnlyList<string> files, string folder) =>
        [.. files
            .Where(file => file.StartsWith(folder, StringComparison.Ordinal) && file.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            .Select(file => file[folder.Length..].Split('/'))
            .Where(segments => segments.Length == 2)
            .Select(segments => segments[0].StartsWith("partial-", StringComparison.Ordinal) ? segments[0]["partial-".Length..] : segments[0])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
}
