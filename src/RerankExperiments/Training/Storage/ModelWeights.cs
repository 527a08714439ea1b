using RerankExperiments.Torch.Safetensors;

namespace RerankExperiments.Training.Storage;

/// <summary>
/// What a model folder's weights weigh: the bytes its safetensors files hold, and its parameter count (what fp32
/// optimizer state and master weights are sized by). Read from the headers only, so it costs no tensor loading.
/// </summary>
public sealed record ModelWeights(long StoredBytes, long ParameterCount)
{
    /// <summary>Bytes of one fp32 copy of every parameter (AdamW's exp_avg, exp_avg_sq, master weights).</summary>
    public long Float32Bytes => ParameterCount * sizeof(float);

    /// <summary>
    /// The *.safetensors files of <paramref name="modelDirectory"/>. A file whose header cannot be read counts by its
    /// length as fp32 (loading the model reports what is wrong with it).
    /// </summary>
    public static ModelWeights Measure(string modelDirectory)
    {
        long stored = 0, parameters = 0;
        if (!Directory.Exists(modelDirectory)) return new ModelWeights(0, 0);
        foreach (var file in Directory.EnumerateFiles(modelDirectory, "*.safetensors"))
        {
            try
            {
                using var weights = SafetensorsFile.Open(file);
                stored += weights.Tensors.Sum(t => t.ByteCount);
                parameters += weights.Tensors.Sum(t => t.ElementCount);
            }
            catch (SafetensorsException)
            {
                long length = new FileInfo(file).Length;
                stored += length;
                parameters += length / sizeof(float);
            }
        }
        return new ModelWeights(stored, parameters);
    }
}
