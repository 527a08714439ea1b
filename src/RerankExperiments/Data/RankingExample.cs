namespace RerankExperiments.Data;

/// <summary>
/// One training or evaluation example: a query, its candidate passages, their relevance labels and, for
/// distillation, a teacher's scores. Group losses (listwise CE, MNRL, LambdaLoss, ListNet, RankNet) read it as a
/// group; BCE reads it as (query, passage, label) pairs. Convention for mined data (FlagEmbedding's query-pos-neg):
/// the positive first with label 1, then the negatives with label 0.
/// </summary>
public sealed record RankingExample(string Query, IReadOnlyList<string> Passages, IReadOnlyList<float> Labels, IReadOnlyList<float>? TeacherScores = null)
{
    /// <summary>A query with one positive and its negatives (labels 1, 0, 0, …).</summary>
    public static RankingExample Group(string query, string positive, IReadOnlyList<string> negatives, IReadOnlyList<float>? teacherScores = null) =>
        new(query, [positive, .. negatives], [1f, .. Enumerable.Repeat(0f, negatives.Count)], teacherScores);

    /// <summary>Checks the lists agree in length; throws naming the query otherwise.</summary>
    public RankingExample Validated()
    {
        if (Passages.Count == 0) throw new ArgumentException($"Example '{Query}' has no passages.");
        if (Labels.Count != Passages.Count) throw new ArgumentException($"Example '{Query}' has {Passages.Count} passages but {Labels.Count} labels.");
        if (TeacherScores is { } teacher && teacher.Count != Passages.Count)
            throw new ArgumentException($"Example '{Query}' has {Passages.Count} passages but {teacher.Count} teacher scores.");
        return this;
    }
}
