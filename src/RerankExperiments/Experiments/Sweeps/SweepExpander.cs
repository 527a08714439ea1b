using System.Globalization;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Experiments.Sweeps;

/// <summary>
/// Expands a sweep into its trials, in a fixed order so that trial N is the same trial on every machine (job arrays and
/// CI matrices address trials by index): grid in itertools.product order (first parameter slowest), zip side by side,
/// random drawn from a <see cref="DeterministicRandom"/> seeded by <c>sweep.seed</c>, parameter by parameter within a
/// trial. Drawn numbers keep 6 significant digits, so names, params and the config all show the value that is used.
/// </summary>
public static class SweepExpander
{
    /// <summary>The trials; an experiment without a sweep is one trial with no assignments.</summary>
    public static IReadOnlyList<SweepTrial> Expand(string experimentName, SweepSpec? sweep)
    {
        if (sweep is null) return [new SweepTrial(0, experimentName, [])];
        var assignmentSets = sweep.Method switch
        {
            SweepMethod.Grid => Grid(sweep.Parameters),
            SweepMethod.Zip => Enumerable.Range(0, sweep.Parameters[0].Values!.Count)
                .Select(i => (IReadOnlyList<SweepAssignment>)sweep.Parameters.Select(p => new SweepAssignment(p.Path, p.Values![i])).ToList()).ToList(),
            _ => Random(sweep),
        };
        var labels = Labels(sweep.Parameters.Select(p => p.Path).ToList());
        int width = Math.Max(2, (assignmentSets.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        return assignmentSets.Select((set, i) => new SweepTrial(i,
            $"t{i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')} " + string.Join(", ", set.Select(a => $"{labels[a.Path]}={a.Text}")), set)).ToList();
    }

    static List<IReadOnlyList<SweepAssignment>> Grid(IReadOnlyList<SweepParameter> parameters)
    {
        var combinations = new List<IReadOnlyList<SweepAssignment>> { Array.Empty<SweepAssignment>() };
        foreach (var parameter in parameters)
            combinations = combinations.SelectMany(prefix => parameter.Values!.Select(v => (IReadOnlyList<SweepAssignment>)[.. prefix, new SweepAssignment(parameter.Path, v)])).ToList();
        return combinations;
    }

    static List<IReadOnlyList<SweepAssignment>> Random(SweepSpec sweep)
    {
        var random = new DeterministicRandom(sweep.Seed);
        var trials = new List<IReadOnlyList<SweepAssignment>>(sweep.Trials);
        for (int t = 0; t < sweep.Trials; t++)
            trials.Add(sweep.Parameters.Select(p => new SweepAssignment(p.Path, Draw(p, random))).ToList());
        return trials;
    }

    static ConfigNode Draw(SweepParameter parameter, DeterministicRandom random)
    {
        var d = parameter.Distribution!;
        var mark = parameter.Mark;
        switch (d.Kind)
        {
            case "choice": return d.Choices![random.Next(d.Choices.Count)];
            case "int":
                long span = (long)d.High - (long)d.Low + 1;
                long value = (long)d.Low + (long)Math.Floor(random.NextDouble() * span);
                return new ConfigScalar(Math.Min(value, (long)d.High).ToString(CultureInfo.InvariantCulture), true, mark);
            case "uniform":
                return Number(d.Low + random.NextDouble() * (d.High - d.Low), mark);
            default:
                return Number(Math.Exp(Math.Log(d.Low) + random.NextDouble() * (Math.Log(d.High) - Math.Log(d.Low))), mark);
        }
    }

    static ConfigScalar Number(double value, SourceMark mark)
    {
        double rounded = double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        string text = rounded.ToString("R", CultureInfo.InvariantCulture);
        // "1E-05" is a valid YAML 1.2 float but reads oddly; always write a lower-case exponent and keep it a float.
        text = text.Replace("E", "e", StringComparison.Ordinal);
        if (!text.Contains('.') && !text.Contains('e')) text += ".0";
        return new ConfigScalar(text, true, mark);
    }

    /// <summary>Short labels: the last path segment, or the whole path when that is ambiguous or generic (name, type…).</summary>
    static Dictionary<string, string> Labels(IReadOnlyList<string> paths)
    {
        string Last(string path) => path[(path.LastIndexOf('.') + 1)..];
        var generic = new HashSet<string> { "name", "type", "method", "path", "with", "weights" };
        return paths.ToDictionary(p => p, p =>
            generic.Contains(Last(p)) || paths.Count(q => Last(q) == Last(p)) > 1 ? p : Last(p));
    }
}
