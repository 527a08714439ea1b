using System.Text.Json;
using System.Text.Json.Serialization;

namespace RerankExperiments.Training;

/// <summary>
/// Everything besides tensors a checkpoint needs to continue a run exactly, written as trainer_state.json:
/// progress and data position, best-model and early-stopping bookkeeping, the log history, the loss not yet
/// logged, the loss scaler, and both random generators (torch's CPU generator and the sampling generator).
/// </summary>
public sealed class TrainerState
{
    public const string FileName = "trainer_state.json";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A diverged run logs NaN losses; the state must still save.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public int FormatVersion { get; set; } = 1;

    /// <summary>Optimizer steps done.</summary>
    public long GlobalStep { get; set; }

    /// <summary>Data position: the epoch of the next batch.</summary>
    public int Epoch { get; set; }

    /// <summary>Data position: the next batch's index within <see cref="Epoch"/>.</summary>
    public int BatchInEpoch { get; set; }

    public string? BestMetricName { get; set; }
    public double? BestMetric { get; set; }
    public long? BestStep { get; set; }

    /// <summary>The best checkpoint's folder name (relative, so an output folder can move).</summary>
    public string? BestCheckpoint { get; set; }

    /// <summary>Evaluations in a row without improvement.</summary>
    public int PatienceCounter { get; set; }

    public long SkippedSteps { get; set; }

    public List<TrainingLogEntry> LogHistory { get; set; } = [];

    public Dictionary<string, double> LastMetrics { get; set; } = [];

    /// <summary>Sum of step losses since the last log, and how many steps that is (logged later as their mean).</summary>
    public double LossWindowSum { get; set; }
    public long LossWindowSteps { get; set; }

    public double? LossScale { get; set; }
    public int LossScaleCleanSteps { get; set; }
    public long LossScalerSkippedSteps { get; set; }

    /// <summary>torch's CPU generator state, base64.</summary>
    public string TorchRngState { get; set; } = "";

    /// <summary>The sampling generator's four words.</summary>
    public ulong[] DataRandomState { get; set; } = [];

    public long OptimizerStepCount { get; set; }

    /// <summary>The settings a resumed run must share for the continuation to be exact.</summary>
    public RunFingerprint Run { get; set; } = new();

    public void Save(string path)
    {
        string temporary = path + ".partial";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    public static TrainerState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path} is not a trainer state: {error.Message}", error);
        }
    }
}

/// <summary>Settings that fix the sequence of steps; a resume with different ones would not continue the same run.</summary>
public sealed record RunFingerprint
{
    public long Seed { get; init; }
    public int BatchSize { get; init; }
    public int GradientAccumulation { get; init; }
    public long TotalSteps { get; init; }
    public string Precision { get; init; } = "";
    public int? GroupSize { get; init; }
    public bool LengthGrouping { get; init; }
    public bool DropLastBatch { get; init; }
    public int TrainExamples { get; init; }

    /// <summary>"name: saved → now" for every setting that differs.</summary>
    public IReadOnlyList<string> Differences(RunFingerprint now)
    {
        var differences = new List<string>();
        void Check<T>(string name, T saved, T current)
        {
            if (!EqualityComparer<T>.Default.Equals(saved, current)) differences.Add($"{name}: {saved} → {current}");
        }
        Check("seed", Seed, now.Seed);
        Check("batch_size", BatchSize, now.BatchSize);
        Check("gradient_accumulation", GradientAccumulation, now.GradientAccumulation);
        Check("total steps", TotalSteps, now.TotalSteps);
        Check("precision", Precision, now.Precision);
        Check("group_size", GroupSize, now.GroupSize);
        Check("length_grouping", LengthGrouping, now.LengthGrouping);
        Check("drop_last_batch", DropLastBatch, now.DropLastBatch);
        Check("training examples", TrainExamples, now.TrainExamples);
        return differences;
    }
}
