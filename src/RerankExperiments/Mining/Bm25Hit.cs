namespace RerankExperiments.Mining;

/// <summary>One retrieved document: its id, its position in the indexed corpus and its BM25 score.</summary>
public readonly record struct Bm25Hit(string Id, int Index, double Score);
