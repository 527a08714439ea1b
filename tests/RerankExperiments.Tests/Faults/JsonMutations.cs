using System.Text;
using System.Text.Json.Nodes;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Mutations that keep a JSON file parseable and lie about its contents instead: a value of the wrong type, a
/// missing or unknown member, a huge or negative number, an unknown component type. The node is reached by a
/// random walk from the root, so top-level structure is hit as often as the thousands of vocabulary entries.
/// The tree is changed, serialized and put back exactly, so one parsed tree serves every iteration.
/// </summary>
public static class JsonMutations
{
    static readonly string[] Names =
    [
        "", "Bogus", "BPE", "WordPiece", "Unigram", "WordLevel", "Sequence", "BertNormalizer", "ByteLevel", "Metaspace",
        "TemplateProcessing", "Split", "Replace", "Precompiled", "F32", "I64", "BOOL", "F8_E4M3", "\ud800", "[UNK]",
        new string('x', 5000), "Ω≈ç√∫", "\0",
    ];

    public static byte[] Mutate(Random random, JsonNode root)
    {
        JsonNode? parent = null;
        string? key = null;
        int index = -1;
        JsonNode? node = root;
        while (random.NextDouble() < 0.8)
        {
            if (node is JsonObject obj && obj.Count > 0)
            {
                index = random.Next(obj.Count);
                (parent, key, node) = (obj, obj.GetAt(index).Key, obj.GetAt(index).Value);
            }
            else if (node is JsonArray array && array.Count > 0)
            {
                index = random.Next(array.Count);
                (parent, key, node) = (array, null, array[index]);
            }
            else break;
        }

        if (parent is null) return Encoding.UTF8.GetBytes(Replacement(random, node)?.ToJsonString() ?? "null");
        switch (random.Next(4))
        {
            case 0:
                return Around(parent, key, index, node, random, remove: true);
            case 1 when node is JsonObject target:
                target["zz_unknown_" + random.Next(100)] = Replacement(random, null);
                var grown = Serialize(root);
                target.RemoveAt(target.Count - 1);
                return grown;
            case 2 when node is JsonArray list && list.Count > 0:
                list.Add(list[random.Next(list.Count)]?.DeepClone());
                var longer = Serialize(root);
                list.RemoveAt(list.Count - 1);
                return longer;
            default:
                return Around(parent, key, index, node, random, remove: false);
        }

        byte[] Around(JsonNode owner, string? name, int at, JsonNode? original, Random rng, bool remove)
        {
            if (owner is JsonObject obj)
            {
                obj.RemoveAt(at);
                if (!remove) obj.Insert(at, name!, Replacement(rng, original));
                var changed = Serialize(root);
                if (!remove) obj.RemoveAt(at);
                obj.Insert(at, name!, original);
                return changed;
            }
            var array = (JsonArray)owner;
            array.RemoveAt(at);
            if (!remove) array.Insert(at, Replacement(rng, original));
            var result = Serialize(root);
            if (!remove) array.RemoveAt(at);
            array.Insert(at, original);
            return result;
        }
    }

    static byte[] Serialize(JsonNode root) => Encoding.UTF8.GetBytes(root.ToJsonString());

    /// <summary>A value that lies about <paramref name="original"/>: same kind with a bad value, or another kind.</summary>
    static JsonNode? Replacement(Random random, JsonNode? original)
    {
        bool sameKind = random.Next(2) == 0;
        if (sameKind && original is JsonValue value && value.TryGetValue<string>(out _)) return JsonValue.Create(Names[random.Next(Names.Length)]);
        if (sameKind && original is JsonValue number && number.TryGetValue<double>(out _))
            return random.Next(6) switch
            {
                0 => JsonValue.Create(-1),
                1 => JsonValue.Create(long.MaxValue),
                2 => JsonValue.Create(1e300),
                3 => JsonValue.Create(0.5),
                4 => JsonValue.Create(int.MaxValue + 1L),
                _ => JsonValue.Create(0),
            };
        if (sameKind && original is JsonArray array)
            return random.Next(3) switch
            {
                0 => new JsonArray(),
                1 => new JsonArray(array.Select(item => item?.DeepClone()).Concat(array.Select(item => item?.DeepClone())).ToArray()),
                _ => new JsonArray(JsonValue.Create(long.MaxValue), JsonValue.Create(-1)),
            };
        return random.Next(8) switch
        {
            0 => null,
            1 => JsonValue.Create(true),
            2 => JsonValue.Create(-7),
            3 => JsonValue.Create(Names[random.Next(Names.Length)]),
            4 => new JsonArray(),
            5 => new JsonObject(),
            6 => new JsonObject { ["type"] = Names[random.Next(Names.Length)] },
            _ => JsonValue.Create(9007199254740993.0),
        };
    }
}
