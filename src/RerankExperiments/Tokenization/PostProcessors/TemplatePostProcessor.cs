using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>
/// TemplateProcessing: templates such as <c>[CLS]:0 $A:0 [SEP]:0</c> and <c>[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1</c>,
/// each item a special token (its ids from <c>special_tokens</c>) or a sequence, with the type id it gets.
/// </summary>
public sealed class TemplatePostProcessor : IPostProcessor
{
    /// <summary>One template item: a special token's ids, or sequence 0 (A) / 1 (B); with its type id.</summary>
    public sealed record Item(int[]? SpecialIds, int Sequence, int TypeId);

    public TemplatePostProcessor(IReadOnlyList<Item> single, IReadOnlyList<Item> pair)
    {
        Single = single;
        Pair = pair;
    }

    public IReadOnlyList<Item> Single { get; }
    public IReadOnlyList<Item> Pair { get; }

    public static TemplatePostProcessor FromJson(TokenizerJson json)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (json.Optional("special_tokens") is { } table)
            foreach (var (name, value) in table.Members())
                specials[name] = value.Required("ids").Items().Select(i => i.AsInt()).ToArray();
        return new TemplatePostProcessor(Parse(json.Required("single"), specials), Parse(json.Required("pair"), specials));
    }

    static List<Item> Parse(TokenizerJson template, Dictionary<string, int[]> specials)
    {
        var items = new List<Item>();
        foreach (var entry in template.Items())
        {
            if (entry.Optional("SpecialToken") is { } special)
            {
                string id = special.String("id");
                if (!specials.TryGetValue(id, out var ids)) throw special.Error($"special token '{id}' is not in special_tokens");
                items.Add(new Item(ids, -1, special.Int("type_id", 0)));
            }
            else if (entry.Optional("Sequence") is { } sequence)
            {
                string id = sequence.String("id");
                int which = id switch { "A" => 0, "B" => 1, _ => throw sequence.Error($"sequence id '{id}' is neither A nor B") };
                items.Add(new Item(null, which, sequence.Int("type_id", 0)));
            }
            else throw entry.Error("template item is neither SpecialToken nor Sequence");
        }
        return items;
    }

    public int AddedTokens(bool isPair) => (isPair ? Pair : Single).Sum(item => item.SpecialIds?.Length ?? 0);

    public List<TokenSequence> Process(List<TokenSequence> sequences)
    {
        var template = sequences.Count == 2 ? Pair : Single;
        var result = new TokenSequence([], [], []);
        foreach (var item in template)
        {
            if (item.SpecialIds is { } ids)
                foreach (int id in ids) result.AppendSpecial(id, item.TypeId);
            else if (item.Sequence < sequences.Count)
                result.Append(sequences[item.Sequence], item.TypeId);
        }
        return [result];
    }
}
