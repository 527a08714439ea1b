namespace RerankExperiments.Scaling;

/// <summary>What the sweep commands ask of Slurm: submit a script, and the state of jobs (array tasks as <c>JOB_INDEX</c>).</summary>
public interface ISlurmScheduler
{
    /// <summary>Submits <paramref name="script"/> with sbatch and returns the job id; <paramref name="afterAny"/>: start when that job has ended.</summary>
    string Submit(string script, string export, string? afterAny = null);

    /// <summary>
    /// The known state (PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, …) of each job or array task asked for; jobs
    /// Slurm no longer knows are missing from the answer.
    /// </summary>
    IReadOnlyDictionary<string, string> States(IReadOnlyCollection<string> jobIds);
}
