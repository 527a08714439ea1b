namespace RerankExperiments.Losses;

/// <summary>
/// LambdaLoss's pair weights w_ij, with positions i, j (1-based) in the order of the predicted scores,
/// D_r = log₂(1 + r) and G_r = (2^{y_r} − 1)/maxDCG (labels clamped at 0, maxDCG over the ideal order, top k):
/// NoWeighting 1 (RankNet); NdcgLoss1 G_i/D_i; NdcgLoss2 |1/D_{|i−j|} − 1/D_{|i−j|+1}|·|G_i − G_j| (0 for i = j);
/// LambdaRank |1/D_i − 1/D_j|·|G_i − G_j|; NdcgLoss2PlusPlus mu·NdcgLoss2 + LambdaRank.
/// </summary>
public enum LambdaWeightingScheme
{
    NoWeighting,
    NdcgLoss1,
    NdcgLoss2,
    LambdaRank,
    NdcgLoss2PlusPlus,
}
