using System.Text;

namespace RerankExperiments.Modeling;

/// <summary>
/// What a saved model's README.md tells: where it started, what it was trained on and how, and how it scored.
/// The front matter marks it as a sentence-transformers cross-encoder for the Hugging Face Hub.
/// </summary>
public sealed record ModelCard(
    string? BaseModel = null,
    string? TrainingData = null,
    string? Loss = null,
    IReadOnlyDictionary<string, string>? Hyperparameters = null,
    IReadOnlyDictionary<string, double>? Metrics = null,
    string? Notes = null)
{
    public string ToMarkdown(ModelConfig config, string architecture)
    {
        var text = new StringBuilder();
        text.AppendLine("---");
        text.AppendLine("library_name: sentence-transformers");
        text.AppendLine("pipeline_tag: text-ranking");
        text.AppendLine("tags: [cross-encoder, reranker, rerank-experiments]");
        if (BaseModel is not null) text.AppendLine($"base_model: {BaseModel}");
        text.AppendLine("---");
        text.AppendLine();
        text.AppendLine($"# Cross-encoder reranker ({architecture})");
        text.AppendLine();
        text.AppendLine($"Trained with RerankExperiments. Architecture `{architecture}` (model_type `{config.ModelType}`), {config.NumLabels} output label(s).");
        if (BaseModel is not null) text.AppendLine($"Base model: `{BaseModel}`.");
        if (TrainingData is not null) text.AppendLine($"Training data: {TrainingData}.");
        if (Loss is not null) text.AppendLine($"Loss: `{Loss}`.");
        if (Hyperparameters is { Count: > 0 })
        {
            text.AppendLine().AppendLine("## Hyperparameters").AppendLine().AppendLine("| name | value |").AppendLine("|---|---|");
            foreach (var (name, value) in Hyperparameters) text.AppendLine($"| {name} | {value} |");
        }
        if (Metrics is { Count: > 0 })
        {
            text.AppendLine().AppendLine("## Evaluation").AppendLine().AppendLine("| metric | value |").AppendLine("|---|---:|");
            foreach (var (name, value) in Metrics) text.AppendLine($"| {name} | {value:F4} |");
        }
        if (Notes is not null) text.AppendLine().AppendLine(Notes);
        text.AppendLine().AppendLine("## Usage").AppendLine().AppendLine("```python").AppendLine("from sentence_transformers import CrossEncoder")
            .AppendLine("model = CrossEncoder(\"path/to/this/folder\")").AppendLine("scores = model.predict([(\"query\", \"passage\")])").AppendLine("```");
        return text.ToString();
    }
}
