using System.Diagnostics;

namespace RerankExperiments.Scaling;

/// <summary>
/// Slurm through its commands: sbatch --parsable to submit; for states, sacct when the cluster keeps accounting,
/// scontrol for jobs the controller still remembers (MinJobAge after they end), and squeue last, the live answer for
/// jobs still queued or running. A job none of them knows is left out (its state is unknown).
/// </summary>
public sealed class SlurmCommands : ISlurmScheduler
{
    public string Submit(string script, string export, string? afterAny = null)
    {
        var arguments = new List<string> { "--parsable", "--export=" + export };
        if (afterAny is not null) arguments.Add("--dependency=afterany:" + afterAny);
        arguments.Add(script);
        var (exit, output, errors) = Run("sbatch", arguments);
        if (exit != 0) throw new InvalidOperationException($"sbatch {script} failed (exit code {exit}): {errors.Trim()}");
        // --parsable prints "jobid" or "jobid;cluster".
        return output.Trim().Split(';')[0];
    }

    public IReadOnlyDictionary<string, string> States(IReadOnlyCollection<string> jobIds)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        if (jobIds.Count == 0) return states;
        var jobs = string.Join(',', jobIds.Select(id => id.Split('_')[0]).Distinct());
        var (accountingExit, accounting, _) = Run("sacct", ["-n", "-X", "-P", "-o", "JobID,State", "-j", jobs]);
        if (accountingExit == 0) Parse(accounting, '|', states);
        foreach (var job in jobIds.Select(id => id.Split('_')[0]).Distinct())
        {
            var (controlExit, control, _) = Run("scontrol", ["-o", "show", "job", job]);
            if (controlExit == 0) ParseControl(control, states);
        }
        // squeue last: for a job still in the queue it is the live answer.
        var (queueExit, queue, _) = Run("squeue", ["-h", "-r", "-o", "%i %T", "-j", jobs]);
        if (queueExit == 0) Parse(queue, ' ', states);
        return states.Where(s => jobIds.Contains(s.Key)).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);
    }

    static void Parse(string lines, char separator, Dictionary<string, string> states)
    {
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(separator, 2, StringSplitOptions.TrimEntries);
            // sacct writes "CANCELLED by 0": the state is the first word.
            if (parts.Length == 2) states[parts[0]] = parts[1].Split(' ')[0];
        }
    }

    /// <summary>scontrol -o lines: "JobId=5 ArrayJobId=4 ArrayTaskId=1 … JobState=COMPLETED …" (one per array task).</summary>
    static void ParseControl(string lines, Dictionary<string, string> states)
    {
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .GroupBy(f => f[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            if (!fields.TryGetValue("JobState", out var state) || !fields.TryGetValue("JobId", out var id)) continue;
            if (fields.TryGetValue("ArrayJobId", out var array) && fields.TryGetValue("ArrayTaskId", out var task) && task.Length > 0 && task.All(char.IsAsciiDigit))
                id = $"{array}_{task}";
            states[id] = state;
        }
    }

    static (int Exit, string Output, string Errors) Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start"); }
        catch (System.ComponentModel.Win32Exception error)
        {
            return (127, "", $"{program} not found ({error.Message}): is Slurm installed here? (scripts/slurm-local.sh start sets up a one-node cluster)");
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, errors.Result);
        }
    }
}
