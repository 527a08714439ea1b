using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Support;

/// <summary>
/// Writes a tiny sentence-transformers StaticEmbedding model (the fixture script for the dense-mining tests): the
/// layout static-retrieval-mrl-en-v1 has — modules.json whose module 0 is sentence_transformers.models.StaticEmbedding
/// in 0_StaticEmbedding, holding tokenizer.json (bert-tiny's WordPiece, 3000 ids) and model.safetensors with
/// <c>embedding.weight</c> [3000, 4] — with a known integer table W[i, j] = (i·(j + 1)) mod 7 − 3, so every mean is
/// exact in float32 and easy to compute by hand.
/// </summary>
public static class StaticEmbeddingFixture
{
    public const int Vocabulary = 3000;
    public const int Dimension = 4;

    /// <summary>W[id, j].</summary>
    public static float Weight(int id, int j) => (id * (j + 1)) % 7 - 3;

    /// <summary>Writes the model folder under <paramref name="directory"/> and returns it.</summary>
    public static string Write(string directory)
    {
        string module = Path.Combine(directory, "0_StaticEmbedding");
        Directory.CreateDirectory(module);
        File.WriteAllText(Path.Combine(directory, "modules.json"),
            """[{"idx": 0, "name": "0", "path": "0_StaticEmbedding", "type": "sentence_transformers.models.StaticEmbedding"}]""");
        File.Copy(Fixtures.Path("hf", "bert-tiny", "tokenizer.json"), Path.Combine(module, "tokenizer.json"));
        var table = new float[Vocabulary * Dimension];
        for (int i = 0; i < Vocabulary; i++)
            for (int j = 0; j < Dimension; j++) table[i * Dimension + j] = Weight(i, j);
        using var weights = tensor(table, [Vocabulary, Dimension]);
        SafetensorsWriter.Write(Path.Combine(module, "model.safetensors"), [new("embedding.weight", weights)]);
        return directory;
    }
}
