namespace RerankExperiments.Tokenization;

/// <summary>One encoded text or pair: ids, token type ids, attention mask and which tokens are special.</summary>
public sealed record EncodedText(int[] InputIds, int[] TokenTypeIds, int[] AttentionMask, bool[] SpecialTokensMask)
{
    public int Length => InputIds.Length;
}
