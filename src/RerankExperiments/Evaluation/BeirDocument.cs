namespace RerankExperiments.Evaluation;

/// <summary>One corpus entry of a BEIR dataset.</summary>
public sealed record BeirDocument(string Id, string Title, string Text)
{
    /// <summary>"title text" when <paramref name="withTitle"/> and the title is not empty, else the text.</summary>
    public string Content(bool withTitle) => withTitle && Title.Length > 0 ? $"{Title} {Text}" : Text;
}
