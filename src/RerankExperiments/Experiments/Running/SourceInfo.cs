namespace RerankExperiments.Experiments.Running;

/// <summary>
/// Who ran what, for MLflow's mlflow.user and mlflow.source.* tags: the user name and the git commit and branch of the
/// working directory, read from .git without running git (a detached HEAD, packed refs and worktrees included).
/// </summary>
public sealed record SourceInfo(string User, string? GitCommit, string? GitBranch)
{
    public static SourceInfo Detect(string directory) => new(Environment.UserName, ReadCommit(directory, out var branch), branch);

    static string? ReadCommit(string directory, out string? branch)
    {
        branch = null;
        var dir = new DirectoryInfo(Path.GetFullPath(directory));
        while (dir is not null && !Path.Exists(Path.Combine(dir.FullName, ".git"))) dir = dir.Parent;
        if (dir is null) return null;
        try
        {
            string gitDir = Path.Combine(dir.FullName, ".git");
            if (File.Exists(gitDir))
            {
                // A worktree: ".git" is a file "gitdir: <path>".
                string pointer = File.ReadAllText(gitDir).Trim();
                if (!pointer.StartsWith("gitdir:", StringComparison.Ordinal)) return null;
                gitDir = Path.GetFullPath(pointer["gitdir:".Length..].Trim(), dir.FullName);
            }
            string head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
            if (!head.StartsWith("ref:", StringComparison.Ordinal)) return head;
            string reference = head["ref:".Length..].Trim();
            branch = reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..] : reference;
            string commonDir = File.Exists(Path.Combine(gitDir, "commondir"))
                ? Path.GetFullPath(File.ReadAllText(Path.Combine(gitDir, "commondir")).Trim(), gitDir) : gitDir;
            foreach (var root in new[] { gitDir, commonDir })
                if (File.Exists(Path.Combine(root, reference))) return File.ReadAllText(Path.Combine(root, reference)).Trim();
            string packed = Path.Combine(commonDir, "packed-refs");
            if (!File.Exists(packed)) return null;
            return File.ReadLines(packed).Select(l => l.Split(' ')).FirstOrDefault(p => p.Length == 2 && p[1] == reference)?[0];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
