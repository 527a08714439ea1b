using System.Text;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Tracking;
using RerankExperiments.Tracking;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Artifact paths cannot escape the run folder: not through '..' or absolute paths, not through symbolic links in a
/// logged folder or planted in the artifact folder, and not through a tampered offline buffer synced to a server
/// (issue 11).
/// </summary>
[Trait("Category", "Faults")]
public sealed class ArtifactPathFaultTests : IDisposable
{
    static readonly Dictionary<string, string> NoTags = new();
    readonly TemporaryDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A secret file outside every folder that gets logged, and a folder holding a link to it.</summary>
    (string Secret, string Folder) FolderWithLinkOut()
    {
        string secret = _dir.File("secret.txt");
        File.WriteAllText(secret, "outside secret");
        string folder = _dir.File("model");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), "{}");
        File.CreateSymbolicLink(Path.Combine(folder, "leak.txt"), secret);
        return (secret, folder);
    }

    [Fact]
    public void A_link_out_of_a_logged_folder_is_refused_by_the_file_store()
    {
        var store = new FileTrackingStore(_dir.File("runs"));
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        var (secret, folder) = FolderWithLinkOut();

        var error = Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, folder, "model"));
        Assert.Contains(Path.Combine(folder, "leak.txt"), error.Message);
        Assert.Contains(secret, error.Message);
        Assert.Contains("leaves the folder", error.Message);
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir.File("runs"), "*", SearchOption.AllDirectories), f => File.ReadAllText(f).Contains("outside secret"));

        // A link that stays inside the folder is logged as the file it points to; a link to a folder outside is refused.
        File.Delete(Path.Combine(folder, "leak.txt"));
        File.CreateSymbolicLink(Path.Combine(folder, "alias.json"), Path.Combine(folder, "config.json"));
        store.LogArtifact(run.RunId, folder, "model");
        Assert.Equal("{}", File.ReadAllText(Path.Combine(store.ArtifactDirectory(run.RunId), "model", "alias.json")));
        Directory.CreateDirectory(_dir.File("elsewhere"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "sub"), _dir.File("elsewhere"));
        Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, folder, "model"));
    }

    [Fact]
    public void A_link_out_of_a_logged_folder_is_refused_by_the_rest_store_before_any_upload()
    {
        using var server = new FakeMlflowServer();
        using var store = new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast);
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        var (_, folder) = FolderWithLinkOut();

        Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, folder, "model"));
        Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, Path.Combine(folder, "config.json"), "../../other-run"));
        Assert.DoesNotContain(server.Requests, r => r.Method == "PUT");
        Assert.Empty(server.Artifacts);
    }

    [Fact]
    public void Links_planted_in_the_artifact_folder_are_never_written_through()
    {
        var store = new FileTrackingStore(_dir.File("runs"));
        var run = store.CreateRun(store.GetOrCreateExperiment("e"), "r", NoTags, 1);
        var artifacts = store.ArtifactDirectory(run.RunId);
        Directory.CreateDirectory(artifacts);
        string victim = _dir.File("victim.txt");
        File.WriteAllText(victim, "keep me");
        File.CreateSymbolicLink(Path.Combine(artifacts, "config.yml"), victim);
        Directory.CreateDirectory(_dir.File("victim-folder"));
        Directory.CreateSymbolicLink(Path.Combine(artifacts, "plots"), _dir.File("victim-folder"));
        File.WriteAllText(_dir.File("config.yml"), "new config");

        store.LogArtifact(run.RunId, _dir.File("config.yml"));
        var error = Assert.Throws<ArgumentException>(() => store.LogArtifact(run.RunId, _dir.File("config.yml"), "plots"));

        Assert.Equal("keep me", File.ReadAllText(victim));
        Assert.Equal("new config", File.ReadAllText(Path.Combine(artifacts, "config.yml")));
        Assert.Null(new FileInfo(Path.Combine(artifacts, "config.yml")).LinkTarget);
        Assert.Contains("symbolic link", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.File("victim-folder")));
    }

    [Fact]
    public void A_tampered_offline_buffer_cannot_make_the_sync_upload_files_outside_it()
    {
        string secret = _dir.File("secret.txt");
        File.WriteAllText(secret, "outside secret");
        var buffer = new FileTrackingStore(_dir.File(".mlflow-offline"));
        var run = buffer.CreateRun(buffer.GetOrCreateExperiment("e"), "r", NoTags, 1);
        File.WriteAllText(_dir.File("report.md"), "report");
        buffer.LogArtifact(run.RunId, _dir.File("report.md"));
        buffer.UpdateRun(run.RunId, RunStatus.Finished, 2);

        // A link planted among the run's artifacts.
        File.CreateSymbolicLink(Path.Combine(buffer.ArtifactDirectory(run.RunId), "leak.txt"), secret);
        using var server = new FakeMlflowServer();
        using var target = new RestTrackingStore(server.Uri, options: RestTrackingStoreTests.Fast);
        var error = Assert.Throws<TrackingException>(() => new MlflowSync(buffer, target).Run());
        Assert.Contains("leak.txt", error.Message);
        Assert.DoesNotContain(server.Artifacts.Values, bytes => Encoding.UTF8.GetString(bytes).Contains("outside secret"));

        // meta.yaml pointed at a folder outside the store.
        File.Delete(Path.Combine(buffer.ArtifactDirectory(run.RunId), "leak.txt"));
        string meta = Path.Combine(buffer.RunFolder(run.RunId), "meta.yaml");
        Directory.CreateDirectory(_dir.File("outside"));
        File.Copy(secret, _dir.File("outside/secret.txt"));
        File.WriteAllText(meta, File.ReadAllText(meta).Replace(new Uri(buffer.ArtifactDirectory(run.RunId)).AbsoluteUri, new Uri(_dir.File("outside")).AbsoluteUri));
        Assert.Equal(_dir.File("outside"), buffer.ArtifactDirectory(run.RunId));
        error = Assert.Throws<TrackingException>(() => new MlflowSync(buffer, target).Run());
        Assert.Contains("outside the store", error.Message);
        Assert.DoesNotContain(server.Artifacts.Values, bytes => Encoding.UTF8.GetString(bytes).Contains("outside secret"));
    }
}
