using System.Diagnostics;
using RerankExperiments.Scaling;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Scaling;

/// <summary>
/// The sbatch scripts `rerank sweep submit` writes: the array and its limit, the resources asked for, the environment
/// they set (no credential values), and — run by bash with an empty environment, as a task would start — that a task
/// works in its own folder and starts the published CLI on its trial with the parent run and base directory.
/// </summary>
public sealed class SlurmScriptTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    SweepJob Job(string dotnetHost, IReadOnlyList<int>? trials = null) => new("my sweep", "/data/exp's/sweep.yml", "/work/repo", _directory.File("sweep"),
        "/opt/rerank-cli/abc", dotnetHost, "0123abcd", trials ?? [0, 1, 2, 3],
        JobEnvironment.ForScript(dotnetHost, "/work/repo/runs", name => name switch
        {
            "HOME" => "/home/me",
            "HF_HUB_OFFLINE" => "1",
            "MLFLOW_TRACKING_TOKEN" => "s3cret-token",
            _ => null,
        }));

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, null, "0-3")]
    [InlineData(new[] { 0, 1, 2, 3 }, 2, "0-3%2")]
    [InlineData(new[] { 5, 1, 3, 4 }, 1, "1,3-5%1")]
    [InlineData(new[] { 2 }, null, "2")]
    [InlineData(new[] { 0, 2, 4, 5, 6, 9 }, 3, "0,2,4-6,9%3")]
    public void Array_ranges_are_compressed_with_the_parallel_limit(int[] trials, int? limit, string expected) =>
        Assert.Equal(expected, SlurmArraySpec.Format(trials, limit));

    [Fact]
    public void An_empty_array_or_a_zero_limit_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SlurmArraySpec.Format([], null));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlurmArraySpec.Format([0], 0));
    }

    [Fact]
    public void The_trials_script_asks_for_the_array_and_resources_and_runs_the_trial_of_its_task()
    {
        string script = SlurmScripts.Trials(Job("/usr/share/dotnet/dotnet"),
            new SlurmSettings(MaxParallel: 2, Partition: "gpu", GpusPerTrial: 1, CpusPerTrial: 8, Time: "02:00:00", SbatchArguments: ["--account=ml", "--qos=low"]));
        var lines = script.Split('\n');
        Assert.Equal("#!/bin/bash", lines[0]);
        foreach (var directive in new[] { "--array=0-3%2", "--partition=gpu", "--gres=gpu:1", "--cpus-per-task=8", "--time=02:00:00", "--account=ml", "--qos=low",
                     "--export=NONE", "--job-name=rerank-my_sweep", $"--output={_directory.File("sweep")}/logs/trial-%a-job-%A.out" })
            Assert.Contains($"#SBATCH {directive}", lines);
        // Every #SBATCH line comes before the first command, or sbatch ignores it.
        int firstCommand = Array.FindIndex(lines, l => l.Length > 0 && !l.StartsWith('#'));
        Assert.DoesNotContain(lines.Skip(firstCommand), l => l.StartsWith("#SBATCH", StringComparison.Ordinal));
        Assert.Contains($"exec '/usr/share/dotnet/dotnet' '/opt/rerank-cli/abc/rerank.dll' run '/data/exp'\\''s/sweep.yml' --trial \"$SLURM_ARRAY_TASK_ID\" --parent-run '0123abcd' --base-dir '/work/repo' --cache-dir '{_directory.File("sweep")}/cache'", script);
        Assert.Contains("export MLFLOW_TRACKING_URI='/work/repo/runs'", lines);
        Assert.Contains("export HF_HUB_OFFLINE='1'", lines);
        Assert.Contains("export DOTNET_ROOT='/usr/share/dotnet'", lines);
        Assert.DoesNotContain("s3cret-token", script);
        Assert.DoesNotContain("MLFLOW_TRACKING_TOKEN", script);
    }

    [Fact]
    public void Without_options_the_script_asks_for_nothing_extra()
    {
        string script = SlurmScripts.Trials(Job("/usr/bin/dotnet", [1, 3]), new SlurmSettings());
        Assert.Contains("#SBATCH --array=1,3\n", script);
        foreach (var absent in new[] { "--partition", "--gres", "--cpus-per-task", "--time" }) Assert.DoesNotContain(absent, script);
    }

    [Fact]
    public void The_report_script_builds_the_report_for_the_same_parent()
    {
        string script = SlurmScripts.Report(Job("/usr/bin/dotnet"), new SlurmSettings(MaxParallel: 2, Partition: "cpu"));
        Assert.Contains("exec '/usr/bin/dotnet' '/opt/rerank-cli/abc/rerank.dll' sweep report '/data/exp'\\''s/sweep.yml' --parent-run '0123abcd' --base-dir '/work/repo'", script);
        Assert.Contains("#SBATCH --partition=cpu", script);
        Assert.DoesNotContain("--array", script);
    }

    [Fact]
    public void Secrets_go_to_sbatch_by_name_only()
    {
        Assert.Equal("NONE", JobEnvironment.ExportArgument(_ => null));
        Assert.Equal("MLFLOW_TRACKING_TOKEN,HF_TOKEN", JobEnvironment.ExportArgument(name => name is "HF_TOKEN" or "MLFLOW_TRACKING_TOKEN" ? "x" : null));
    }

    [Fact]
    public async Task A_task_started_with_an_empty_environment_runs_its_trial_in_its_own_folder()
    {
        // A stand-in for the dotnet host that records where and how it was started.
        string record = _directory.File("record.txt");
        string host = _directory.File("fake-dotnet");
        File.WriteAllText(host, $"#!/bin/bash\n{{ echo \"cwd=$PWD\"; echo \"tmp=$TMPDIR\"; echo \"uri=$MLFLOW_TRACKING_URI\"; echo \"home=$HOME\"; printf 'arg=%s\\n' \"$@\"; }} > '{record}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(host, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string script = _directory.File("trials.sbatch");
        File.WriteAllText(script, SlurmScripts.Trials(Job(host), new SlurmSettings(MaxParallel: 2)));

        var start = new ProcessStartInfo("/usr/bin/env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-i", "SLURM_ARRAY_TASK_ID=2", "/bin/bash", script }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, errors);

        string taskFolder = Path.Combine(_directory.File("sweep"), "tasks", "trial-2");
        Assert.Equal(
        [
            $"cwd={taskFolder}", $"tmp={taskFolder}/tmp", "uri=/work/repo/runs", "home=/home/me",
            "arg=/opt/rerank-cli/abc/rerank.dll", "arg=run", "arg=/data/exp's/sweep.yml", "arg=--trial", "arg=2", "arg=--parent-run", "arg=0123abcd",
            "arg=--base-dir", "arg=/work/repo", "arg=--cache-dir", $"arg={_directory.File("sweep")}/cache",
        ], File.ReadAllLines(record));
    }
}
