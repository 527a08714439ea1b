namespace RerankExperiments.Torch.Schedules;

/// <summary>Schedules by the names experiment files and transformers use.</summary>
public static class LearningRateSchedules
{
    /// <summary>The known names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["constant", "linear", "cosine"];

    /// <summary>
    /// The schedule called <paramref name="name"/> over <paramref name="totalSteps"/> optimizer steps, with
    /// warm-up from steps or a ratio (see <see cref="Warmup.Steps"/>).
    /// </summary>
    public static ILearningRateSchedule Create(string name, long totalSteps, long warmupSteps = 0, double warmupRatio = 0)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "must be ≥ 1");
        long warmup = Warmup.Steps(totalSteps, warmupSteps, warmupRatio);
        return name.Trim().ToLowerInvariant() switch
        {
            "constant" or "constant_with_warmup" => new ConstantSchedule(warmup),
            "linear" => new LinearSchedule(totalSteps, warmup),
            "cosine" => new CosineSchedule(totalSteps, warmup),
            _ => throw new ArgumentException($"Unknown schedule '{name}': use one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
