using System.Text;
using RerankExperiments.Experiments.Running;
using RerankExperiments.Tests.Experiments;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Tracking;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Secrets never appear in logs, params, tags or artifacts: an experiment runs with a Hub token, an MLflow token,
/// username and password in its environment and user:password in tracking.uri, against a server that dies mid-run
/// (so the offline buffer is written too) and comes back for the sync; then every file written, everything logged
/// and printed, and every request the server received is scanned for each secret (issue 11).
/// </summary>
[Trait("Category", "Faults")]
public sealed class SecretLeakFaultTests : IDisposable
{
    const string UriUser = "uri-user-7Hq2";
    const string UriPassword = "uri-pass-Zx81Kp";

    static readonly Dictionary<string, string> Environment = new()
    {
        ["HF_TOKEN"] = "hf_tokenA9s8d7f6g5h4",
        ["HUGGING_FACE_HUB_TOKEN"] = "hf_legacyQ1w2e3r4t5",
        [MlflowCredentials.TokenVariable] = "mlflow-token-P0o9i8u7",
        [MlflowCredentials.UsernameVariable] = "env-user-L5k4j3",
        [MlflowCredentials.PasswordVariable] = "env-pass-M2n3b4v5",
    };

    /// <summary>Each secret, plus the Basic credential built from the password pairs (base64 of user:password).</summary>
    static IEnumerable<string> Secrets() => Environment.Values.Where(v => !v.StartsWith("env-user", StringComparison.Ordinal))
        .Concat([UriPassword, $"{UriUser}:{UriPassword}",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Environment[MlflowCredentials.UsernameVariable]}:{Environment[MlflowCredentials.PasswordVariable]}")),
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UriUser}:{UriPassword}"))]);

    readonly ExperimentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    static void AssertClean(string where, string text)
    {
        foreach (var secret in Secrets())
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{where} contains the secret '{secret}'");
    }

    [Fact]
    public void No_secret_reaches_a_file_a_log_a_param_or_the_server()
    {
        using var server = new FakeMlflowServer();
        string uri = server.Uri.Replace("http://", $"http://{UriUser}:{UriPassword}@", StringComparison.Ordinal);
        string yaml = _fixture.ValidYaml($"tracking:\n  uri: {uri}\n  experiment: secrets\nmerge:\n  with: base\n  weights: [0.5, 0.5]")
            .Replace("max_steps: 2", "max_steps: 4").Replace("save_steps: 0", "save_steps: 2\n  eval_steps: 2");
        server.FailAfter(10);

        string experiment = _fixture.Write(yaml);
        var inputs = Directory.EnumerateFiles(_fixture.Root, "*", SearchOption.AllDirectories).ToHashSet(StringComparer.Ordinal);
        var run = InProcessExperiment.Run(experiment, name => Environment.GetValueOrDefault(name), _fixture.Root);
        Assert.All(run.Outcome.Trials, t => Assert.Equal(RunStatus.Finished, t.Status));
        string buffer = Path.Combine(_fixture.Root, TrackingStores.DefaultOfflineStore);
        var buffered = new FileTrackingStore(buffer);
        Assert.True(buffered.ListExperiments().Any(e => buffered.ListRunIds(e.ExperimentId).Any()), "the server should have died mid-run");
        server.Recover();
        using (var target = new RestTrackingStore(server.Uri, MlflowCredentials.FromEnvironment(name => Environment.GetValueOrDefault(name)), RestTrackingStoreTests.Fast))
            Assert.False(new MlflowSync(buffered, target).Run() is var report && report.NothingSent, $"nothing synced: {report}");

        // The credentials were used (the Basic pair from the environment wins, as in MLflow's client), never written down.
        Assert.All(server.Requests, r => Assert.StartsWith("Basic ", r.Authorization));
        AssertClean("the log", run.Log);
        AssertClean("the progress output", run.Progress);
        // Every file the run wrote (the experiment file, the user's input, holds the URI as the user wrote it).
        var files = Directory.EnumerateFiles(_fixture.Root, "*", SearchOption.AllDirectories).Where(f => !inputs.Contains(f)).ToList();
        Assert.Contains(files, f => f.EndsWith("run.log.jsonl", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("config.yml", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains(Path.Combine(TrackingStores.DefaultOfflineStore, ""), StringComparison.Ordinal));
        foreach (var file in files) AssertClean(file, Encoding.Latin1.GetString(File.ReadAllBytes(file)));
        foreach (var received in server.Received) AssertClean("a request to the server", received);
        foreach (var (name, bytes) in server.Artifacts) AssertClean($"the server's artifact {name}", Encoding.Latin1.GetString(bytes));
        foreach (var snapshot in server.RunsOf("secrets"))
        {
            foreach (var (key, value) in snapshot.Params) AssertClean($"param {key}", value);
            foreach (var (key, value) in snapshot.Tags) AssertClean($"tag {key}", value);
        }

        // The tracking URI is still recorded, with its user info masked.
        var trial = Assert.Single(server.RunsOf("secrets"), r => r.Tags.GetValueOrDefault(RunTags.Kind) == "trial");
        Assert.Equal($"http://***@127.0.0.1:{server.Port}", trial.Params["tracking.uri"]);
        string config = File.ReadAllText(Assert.Single(files, f => f.EndsWith("config.yml", StringComparison.Ordinal) && !f.Contains(TrackingStores.DefaultOfflineStore, StringComparison.Ordinal)));
        Assert.Contains($"http://***@127.0.0.1:{server.Port}", config);
    }

    [Theory]
    [InlineData("http://user:pw@host:5000/prefix", "http://***@host:5000/prefix")]
    [InlineData("https://token@host", "https://***@host")]
    [InlineData("http://host:5000/a@b", "http://host:5000/a@b")]
    [InlineData("http://u:p@ss@host/", "http://***@host/")]
    [InlineData("runs", "runs")]
    [InlineData("file:///tmp/runs", "file:///tmp/runs")]
    public void User_info_in_a_uri_is_masked(string uri, string logged) => Assert.Equal(logged, UriSecrets.Redact(uri));
}
