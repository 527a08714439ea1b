namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Timing against the limit of the moment. This machine's fp32 matmul rate moves by up to 2× within a minute (other
/// tenants of the host), so a case timed over a minute and a limit measured once before it do not compare. Instead
/// each unit of work (a training step, a scoring call) is timed alone and the 1024² matmul rate is measured right
/// after it (~0.1 s, outside the timed part); the case's fraction of the limit is Σ FLOPᵢ / Σ (tᵢ · limitᵢ): the
/// share of the matmul rate available during each unit that the unit used.
/// </summary>
public sealed class AdjacentLimit
{
    readonly List<(double Seconds, double Limit)> _units = [];

    /// <summary>Records a unit's time, then measures the limit after it.</summary>
    public void Record(double seconds) => _units.Add((seconds, GemmLimits.Square1024()));

    public double Seconds => _units.Sum(u => u.Seconds);

    public int Units => _units.Count;

    /// <summary>The limit averaged over the units, weighted by their time (GFLOP/s).</summary>
    public double WeightedLimit => _units.Sum(u => u.Seconds * u.Limit) / Seconds;

    public double MinLimit => _units.Min(u => u.Limit);

    public double MaxLimit => _units.Max(u => u.Limit);

    public void AddTo(Dictionary<string, double> figures)
    {
        figures["seconds"] = Seconds;
        figures["units"] = Units;
        figures["limit"] = WeightedLimit;
        figures["limit_min"] = MinLimit;
        figures["limit_max"] = MaxLimit;
    }
}
