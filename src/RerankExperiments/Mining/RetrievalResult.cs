namespace RerankExperiments.Mining;

/// <summary>
/// Per query: its candidates (corpus position, score), best first with ties in corpus order, and the scores of the
/// pairs asked for, aligned with them.
/// </summary>
public sealed record RetrievalResult((int Index, double Score)[][] Candidates, double[][] PairScores);
