using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace RerankExperiments.Tracking;

/// <summary>
/// MLflow's FileStore on disk (what <c>mlflow ui --backend-store-uri ./runs</c> reads):
/// <c>&lt;root&gt;/&lt;experiment&gt;/meta.yaml</c>, <c>&lt;experiment&gt;/&lt;run&gt;/meta.yaml</c>,
/// <c>metrics/&lt;key&gt;</c> lines "timestamp value step", <c>params/&lt;key&gt;</c>, <c>tags/&lt;key&gt;</c>
/// ('/' in a key makes subfolders) and <c>artifacts/</c>.
/// <para>
/// Several processes may share one root: experiments are created under an exclusive lock file and appear by an
/// atomic folder rename, so racing creators end with one experiment; every meta.yaml, param and tag is written to a
/// temporary file and renamed; metric files are appended to only by the process that owns the run; artifacts are
/// copied under a unique hidden name and renamed into place. A sweep's parent run, which processes running its trials
/// independently all look for, gets an id derived from the sweep (see Experiments.Running.SweepParentRun), so racing
/// creators make one run.
/// </para>
/// </summary>
public sealed class FileTrackingStore : ITrackingStore
{
    /// <summary>MLflow's Default experiment, created with every store.</summary>
    public const string DefaultExperimentId = "0";

    const string LockFileName = ".rerank-experiments.lock";
    const string TemporaryFolderName = ".tmp";
    static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    readonly ConcurrentDictionary<string, string> _runExperiments = new(StringComparer.Ordinal);
    readonly string _userId;

    /// <summary>Opens (and creates, with its Default experiment) the store at <paramref name="root"/>.</summary>
    /// <param name="root">The store folder; relative paths are taken from the current directory.</param>
    /// <param name="userId">meta.yaml's user_id; the OS user name when null.</param>
    public FileTrackingStore(string root, string? userId = null)
    {
        Root = Path.GetFullPath(root);
        _userId = userId ?? Environment.UserName;
        Directory.CreateDirectory(Root);
        if (!File.Exists(Path.Combine(Root, DefaultExperimentId, "meta.yaml")))
            WithCreationLock(() =>
            {
                if (!File.Exists(Path.Combine(Root, DefaultExperimentId, "meta.yaml")))
                    CreateExperimentFolder(DefaultExperimentId, "Default");
                return 0;
            });
    }

    /// <summary>The absolute path of the store.</summary>
    public string Root { get; }

    public string Location => Root;

    public string GetOrCreateExperiment(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 500)
            throw new ArgumentException($"experiment name must be 1 to 500 characters, got '{name}'", nameof(name));
        if (FindExperiment(name) is { } existing) return existing.ExperimentId;
        // Checked again under the lock: another process may have created it since.
        return WithCreationLock(() => FindExperiment(name)?.ExperimentId ?? CreateExperimentFolder(ExperimentIds.NewExperimentId(), name));
    }

    /// <summary>The active experiments of the store (deleted ones live in .trash and are not listed).</summary>
    public IReadOnlyList<TrackedExperiment> ListExperiments()
    {
        var experiments = new List<TrackedExperiment>();
        foreach (var folder in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var metaPath = Path.Combine(folder, "meta.yaml");
            if (Path.GetFileName(folder).StartsWith('.') || !File.Exists(metaPath)) continue;
            var meta = MetaYaml.Read(File.ReadAllText(metaPath));
            if (meta.GetValueOrDefault("lifecycle_stage") is "deleted") continue;
            experiments.Add(new TrackedExperiment(meta.GetValueOrDefault("experiment_id") ?? Path.GetFileName(folder),
                meta.GetValueOrDefault("name") ?? "", meta.GetValueOrDefault("artifact_location") ?? ""));
        }
        return experiments;
    }

    /// <summary>The experiment with this name, or null.</summary>
    public TrackedExperiment? FindExperiment(string name) =>
        ListExperiments().FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));

    public TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs) =>
        CreateRun(experimentId, runName, tags, startTimeMs, runId: null);

    /// <summary>
    /// Creates a run with a chosen id: the fallback store continues a server run locally under the server's id, so
    /// the caller's run id stays valid and the sync knows where the data belongs.
    /// </summary>
    internal TrackedRun CreateRun(string experimentId, string runName, IReadOnlyDictionary<string, string> tags, long startTimeMs, string? runId)
    {
        var experimentFolder = Path.Combine(Root, experimentId);
        if (!File.Exists(Path.Combine(experimentFolder, "meta.yaml")))
            throw new TrackingException("RESOURCE_DOES_NOT_EXIST", "runs/create", $"no experiment with id '{experimentId}' in {Root}");
        runId ??= ExperimentIds.NewRunId();
        var allTags = new Dictionary<string, string>(tags, StringComparer.Ordinal) { [MlflowTags.RunName] = runName };
        foreach (var key in allTags.Keys) CheckKey(key, "tag");

        // Written completely in a hidden folder, then renamed into place: readers never see half a run.
        var staging = Path.Combine(experimentFolder, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var sub in new[] { "metrics", "params", "tags", "artifacts" }) Directory.CreateDirectory(Path.Combine(staging, sub));
            var runFolder = Path.Combine(experimentFolder, runId);
            var info = new RunMeta(runId, experimentId, runName, _userId, RunStatus.Running, startTimeMs, null,
                new Uri(Path.Combine(runFolder, "artifacts")).AbsoluteUri, "active");
            File.WriteAllText(Path.Combine(staging, "meta.yaml"), info.ToYaml());
            foreach (var (key, value) in allTags) File.WriteAllText(KeyPath(staging, "tags", key), value);
            Directory.Move(staging, runFolder);
        }
        catch (IOException) when (Directory.Exists(Path.Combine(experimentFolder, runId)))
        {
            Directory.Delete(staging, recursive: true);
            throw new TrackingException("RESOURCE_ALREADY_EXISTS", "runs/create", $"run '{runId}' already exists in experiment '{experimentId}'");
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        _runExperiments[runId] = experimentId;
        return GetRun(runId);
    }

    public void LogBatch(string runId, IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> tags)
    {
        var folder = ActiveRunFolder(runId);
        foreach (var point in metrics) CheckKey(point.Key, "metric");
        foreach (var key in tags.Keys) CheckKey(key, "tag");
        // Every param is checked before anything is written, so a refused batch changes nothing.
        var newParams = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in parameters)
        {
            CheckKey(key, "param");
            var path = KeyPath(folder, "params", key);
            if (!File.Exists(path)) newParams.Add(new(key, value));
            else if (File.ReadAllText(path) is var old && !string.Equals(old, value, StringComparison.Ordinal))
                throw new TrackingException("INVALID_PARAMETER_VALUE", "runs/log-batch",
                    $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{runId}'. Attempted logging new value '{value}'.");
        }
        var temporary = Path.Combine(folder, TemporaryFolderName);
        foreach (var (key, value) in newParams) AtomicFile.WriteAllText(KeyPath(folder, "params", key), value, temporary);
        foreach (var (key, value) in tags) AtomicFile.WriteAllText(KeyPath(folder, "tags", key), value, temporary);
        foreach (var group in metrics.GroupBy(m => m.Key, StringComparer.Ordinal))
        {
            var path = KeyPath(folder, "metrics", group.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var text = new StringBuilder();
            foreach (var point in group) text.Append(MetricLines.Format(point));
            // One append per key and batch: the run's owner is the only writer of its metric files.
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }
    }

    public void UpdateRun(string runId, RunStatus status, long? endTimeMs)
    {
        var folder = RunFolder(runId);
        var meta = RunMeta.Read(folder);
        bool terminal = status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed;
        var endTime = endTimeMs ?? (terminal ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : meta.EndTimeMs);
        AtomicFile.WriteAllText(Path.Combine(folder, "meta.yaml"), (meta with { Status = status, EndTimeMs = endTime }).ToYaml());
    }

    public void LogArtifact(string runId, string localPath, string? artifactPath = null)
    {
        var artifacts = ArtifactDirectory(runId);
        foreach (var (file, relative) in ArtifactPaths.Plan(localPath, artifactPath))
        {
            var target = ArtifactPaths.Resolve(artifacts, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Copied beside the target under a hidden unique name, then renamed over it: a link planted in the artifact
            // folder is replaced, never written through, and two processes logging one artifact never interleave.
            var temporary = Path.Combine(Path.GetDirectoryName(target)!, "." + Path.GetFileName(target) + ".tmp-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.Copy(file, temporary);
                File.Move(temporary, target, overwrite: true);
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
        }
    }

    /// <summary>The run's artifacts folder (the local path of its file:// artifact_uri).</summary>
    public string ArtifactDirectory(string runId)
    {
        var meta = RunMeta.Read(RunFolder(runId));
        return Uri.TryCreate(meta.ArtifactUri, UriKind.Absolute, out var uri) && uri.IsFile
            ? uri.LocalPath
            : Path.Combine(RunFolder(runId), "artifacts");
    }

    public TrackedRun GetRun(string runId)
    {
        var folder = RunFolder(runId);
        var meta = RunMeta.Read(folder);
        var latest = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var key in Keys(folder, "metrics"))
        {
            var history = ReadHistory(folder, key);
            if (history.Count > 0) latest[key] = MetricLines.Latest(history).Value;
        }
        return new TrackedRun(meta.RunId, meta.ExperimentId, meta.RunName, meta.Status, meta.StartTimeMs, meta.EndTimeMs,
            meta.ArtifactUri, ReadValues(folder, "params"), ReadValues(folder, "tags"), latest);
    }

    public IReadOnlyList<TrackedRun> FindRuns(string experimentId, IReadOnlyDictionary<string, string> tagsEqual)
    {
        var runs = new List<TrackedRun>();
        foreach (var runId in ListRunIds(experimentId))
        {
            var folder = Path.Combine(Root, experimentId, runId);
            if (RunMeta.Read(folder).LifecycleStage != "active") continue;
            if (tagsEqual.All(t => File.Exists(KeyPath(folder, "tags", t.Key))
                    && string.Equals(File.ReadAllText(KeyPath(folder, "tags", t.Key)), t.Value, StringComparison.Ordinal)))
                runs.Add(GetRun(runId));
        }
        return runs.OrderByDescending(r => r.StartTimeMs).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The ids of every run folder of an experiment (any status or lifecycle stage).</summary>
    public IReadOnlyList<string> ListRunIds(string experimentId)
    {
        var experimentFolder = Path.Combine(Root, experimentId);
        if (!Directory.Exists(experimentFolder)) return [];
        var ids = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(experimentFolder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            if (name.StartsWith('.') || name is "tags" or "datasets" or "traces" || !File.Exists(Path.Combine(folder, "meta.yaml"))) continue;
            _runExperiments[name] = experimentId;
            ids.Add(name);
        }
        return ids;
    }

    public IReadOnlyList<MetricPoint> GetMetricHistory(string runId, string key)
    {
        CheckKey(key, "metric");
        return ReadHistory(RunFolder(runId), key);
    }

    /// <summary>Whether this store holds a run with this id.</summary>
    public bool ContainsRun(string runId) => TryRunFolder(runId) is not null;

    /// <summary>The run's folder: <c>&lt;root&gt;/&lt;experiment&gt;/&lt;run&gt;</c>.</summary>
    public string RunFolder(string runId) =>
        TryRunFolder(runId) ?? throw new TrackingException("RESOURCE_DOES_NOT_EXIST", "runs/get", $"Run '{runId}' not found in {Root}");

    string? TryRunFolder(string runId)
    {
        if (runId.Length == 0 || runId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"'{runId}' is not a run id", nameof(runId));
        if (_runExperiments.TryGetValue(runId, out var known) && File.Exists(Path.Combine(Root, known, runId, "meta.yaml")))
            return Path.Combine(Root, known, runId);
        foreach (var experiment in Directory.EnumerateDirectories(Root))
        {
            var candidate = Path.Combine(experiment, runId);
            if (File.Exists(Path.Combine(candidate, "meta.yaml")))
            {
                _runExperiments[runId] = Path.GetFileName(experiment);
                return candidate;
            }
        }
        return null;
    }

    string ActiveRunFolder(string runId)
    {
        var folder = RunFolder(runId);
        if (RunMeta.Read(folder).LifecycleStage != "active")
            throw new TrackingException("INVALID_STATE", "runs/log-batch", $"The run {runId} must be in the 'active' state.");
        return folder;
    }

    static List<MetricPoint> ReadHistory(string runFolder, string key)
    {
        var path = KeyPath(runFolder, "metrics", key);
        if (!File.Exists(path)) return [];
        var points = new List<MetricPoint>();
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        // A line without its newline is still being appended by the owner: only complete lines count.
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n');
        foreach (var line in text[..(complete + 1)].Split('\n'))
            if (MetricLines.Parse(key, line, path) is { } point) points.Add(point);
        return points;
    }

    static Dictionary<string, string> ReadValues(string runFolder, string kind) =>
        Keys(runFolder, kind).ToDictionary(k => k, k => File.ReadAllText(KeyPath(runFolder, kind, k)), StringComparer.Ordinal);

    /// <summary>The keys stored under metrics/, params/ or tags/: relative file paths with '/' separators.</summary>
    static IEnumerable<string> Keys(string runFolder, string kind)
    {
        var root = Path.Combine(runFolder, kind);
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
    }

    static string KeyPath(string runFolder, string kind, string key) =>
        Path.Combine(runFolder, kind, key.Replace('/', Path.DirectorySeparatorChar));

    static void CheckKey(string key, string kind)
    {
        if (!TrackingKeys.IsValid(key))
            throw new TrackingException("INVALID_PARAMETER_VALUE", "runs/log-batch",
                $"invalid {kind} key '{key}': at most {TrackingKeys.MaxKeyLength} characters of letters, digits, '_', '-', '.', ' ', ':' and '/', path-normal (see TrackingKeys.Sanitize)");
    }

    /// <summary>Writes a complete experiment folder under a hidden name, then renames it into place.</summary>
    string CreateExperimentFolder(string experimentId, string name)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var target = Path.Combine(Root, experimentId);
        var staging = Path.Combine(Root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllText(Path.Combine(staging, "meta.yaml"), MetaYaml.Write(new Dictionary<string, object?>
            {
                ["artifact_location"] = new Uri(target).AbsoluteUri,
                ["creation_time"] = now,
                ["experiment_id"] = experimentId,
                ["last_update_time"] = now,
                ["lifecycle_stage"] = "active",
                ["name"] = name,
            }));
            Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
        return experimentId;
    }

    /// <summary>
    /// Runs <paramref name="action"/> holding an exclusive lock on the store's lock file. On Unix .NET takes
    /// FileShare.None as an flock, which excludes other processes and other handles in this one alike.
    /// </summary>
    T WithCreationLock<T>(Func<T> action)
    {
        var path = Path.Combine(Root, LockFileName);
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            FileStream? handle = null;
            try
            {
                handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(5, 25));
                continue;
            }
            catch (IOException e)
            {
                throw new TrackingException("RESOURCE_EXHAUSTED", "experiments/create",
                    $"could not lock {path} within {LockTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", inner: e);
            }
            using (handle) return action();
        }
    }
}
