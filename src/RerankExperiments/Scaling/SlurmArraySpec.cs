using System.Globalization;
using System.Text;

namespace RerankExperiments.Scaling;

/// <summary>sbatch's --array value: trial indices as ranges (<c>0-3</c>, <c>1,4-6</c>) with an optional <c>%N</c> limit.</summary>
public static class SlurmArraySpec
{
    public static string Format(IReadOnlyList<int> indices, int? maxParallel)
    {
        if (indices.Count == 0) throw new ArgumentException("a job array needs at least one trial", nameof(indices));
        if (maxParallel is < 1) throw new ArgumentOutOfRangeException(nameof(maxParallel), maxParallel, "--max-parallel must be at least 1");
        var sorted = indices.Distinct().Order().ToList();
        var text = new StringBuilder();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            if (text.Length > 0) text.Append(',');
            text.Append(sorted[i].ToString(CultureInfo.InvariantCulture));
            if (j > i) text.Append('-').Append(sorted[j].ToString(CultureInfo.InvariantCulture));
            i = j + 1;
        }
        if (maxParallel is { } limit) text.Append('%').Append(limit.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }
}
