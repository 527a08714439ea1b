namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>Ids with their token type ids and a mark for special tokens, as post-processing builds them.</summary>
public sealed class TokenSequence
{
    public TokenSequence(List<int> ids, List<int> typeIds, List<bool> special)
    {
        if (ids.Count != typeIds.Count || ids.Count != special.Count) throw new ArgumentException("Ids, type ids and special marks must have one entry per token.");
        Ids = ids;
        TypeIds = typeIds;
        Special = special;
    }

    /// <summary>Model ids of one sequence, all of type <paramref name="typeId"/>, none special.</summary>
    public static TokenSequence Of(List<int> ids, int typeId = 0) =>
        new(ids, Enumerable.Repeat(typeId, ids.Count).ToList(), Enumerable.Repeat(false, ids.Count).ToList());

    public List<int> Ids { get; }
    public List<int> TypeIds { get; }
    public List<bool> Special { get; }
    public int Count => Ids.Count;

    /// <summary>Appends another sequence's tokens with the given type id (null keeps theirs).</summary>
    public void Append(TokenSequence other, int? typeId = null)
    {
        Ids.AddRange(other.Ids);
        TypeIds.AddRange(typeId is { } t ? Enumerable.Repeat(t, other.Count) : other.TypeIds);
        Special.AddRange(other.Special);
    }

    /// <summary>A new sequence: the <paramref name="before"/> specials, <paramref name="inner"/>, the <paramref name="after"/> specials, all of one type id.</summary>
    public static TokenSequence Wrapped(int[] before, TokenSequence inner, int[] after, int typeId)
    {
        var result = new TokenSequence([], [], []);
        foreach (int id in before) result.AppendSpecial(id, typeId);
        result.Append(inner, typeId);
        foreach (int id in after) result.AppendSpecial(id, typeId);
        return result;
    }

    /// <summary>Appends one special token.</summary>
    public void AppendSpecial(int id, int typeId)
    {
        Ids.Add(id);
        TypeIds.Add(typeId);
        Special.Add(true);
    }
}
