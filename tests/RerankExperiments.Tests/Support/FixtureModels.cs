using System.Text.Json;

namespace RerankExperiments.Tests.Support;

/// <summary>The transformers-made fixture models under fixtures/hf and their reference outputs.</summary>
public static class FixtureModels
{
    public static readonly string[] All = ["bert-tiny", "xlmr-tiny", "modernbert-cls-tiny", "modernbert-mean-tiny"];

    public static string Directory(string model) => Fixtures.Path("hf", model);

    public static List<(string Query, string Passage)> Pairs() =>
        File.ReadLines(Fixtures.Path("hf", "pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return (row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!);
        }).ToList();

    /// <summary>Per pair: transformers' logit one pair at a time, in one padded batch, and CrossEncoder.predict's score.</summary>
    public static List<(double Logit, double LogitBatched, double Predict)> ExpectedScores(string model) =>
        File.ReadLines(Fixtures.Path("hf", model, "expected_scores.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            var r = row.RootElement;
            return (r.GetProperty("logit").GetDouble(), r.GetProperty("logit_batched").GetDouble(), r.GetProperty("cross_encoder_predict").GetDouble());
        }).ToList();

    public static int MaxLength(string model)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("hf", model, "expected_meta.json")));
        return meta.RootElement.GetProperty("max_length").GetInt32();
    }
}
