using RerankExperiments.Torch.Schedules;

namespace RerankExperiments.Tests.Torch;

/// <summary>Schedules at hand-computed steps (transformers' definitions).</summary>
public sealed class ScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(6, 0.5)]     // (10 − 6) / (10 − 2)
    [InlineData(9, 0.125)]
    [InlineData(10, 0.0)]
    [InlineData(12, 0.0)]
    public void Linear_warms_up_then_decays_to_zero(long step, double expected) =>
        Assert.Equal(expected, new LinearSchedule(TotalSteps: 10, WarmupSteps: 2).Factor(step), 12);

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(4, 0.85355339059327373)]   // ½(1 + cos(π/4))
    [InlineData(6, 0.5)]                   // ½(1 + cos(π/2))
    [InlineData(8, 0.14644660940672624)]   // ½(1 + cos(3π/4))
    [InlineData(10, 0.0)]
    public void Cosine_warms_up_then_follows_a_half_cosine(long step, double expected) =>
        Assert.Equal(expected, new CosineSchedule(TotalSteps: 10, WarmupSteps: 2).Factor(step), 12);

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.25)]
    [InlineData(3, 0.75)]
    [InlineData(4, 1.0)]
    [InlineData(1000, 1.0)]
    public void Constant_warms_up_then_holds(long step, double expected) =>
        Assert.Equal(expected, new ConstantSchedule(WarmupSteps: 4).Factor(step), 12);

    [Fact]
    public void No_warmup_starts_at_the_peak()
    {
        Assert.Equal(1.0, new LinearSchedule(100).Factor(0));
        Assert.Equal(1.0, new CosineSchedule(100).Factor(0));
        Assert.Equal(1.0, new ConstantSchedule().Factor(0));
    }

    [Fact]
    public void Warmup_ratio_rounds_up_as_the_Trainer_does_and_explicit_steps_win()
    {
        Assert.Equal(11, Warmup.Steps(totalSteps: 105, warmupRatio: 0.1));
        Assert.Equal(10, Warmup.Steps(totalSteps: 100, warmupRatio: 0.1));
        Assert.Equal(7, Warmup.Steps(totalSteps: 100, warmupSteps: 7, warmupRatio: 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Warmup.Steps(100, warmupRatio: 1.5));
    }

    [Fact]
    public void Schedules_are_created_by_name()
    {
        var cosine = Assert.IsType<CosineSchedule>(LearningRateSchedules.Create("cosine", totalSteps: 105, warmupRatio: 0.1));
        Assert.Equal(11, cosine.WarmupSteps);
        Assert.IsType<LinearSchedule>(LearningRateSchedules.Create("Linear", 10));
        Assert.IsType<ConstantSchedule>(LearningRateSchedules.Create("constant_with_warmup", 10, warmupSteps: 2));
        var error = Assert.Throws<ArgumentException>(() => LearningRateSchedules.Create("cosin", 10));
        Assert.Contains("constant, linear, cosine", error.Message);
    }
}
