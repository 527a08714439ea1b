using System.Globalization;
using System.Text.Json;
using RerankExperiments.Torch.Randomness;

namespace RerankExperiments.Losses;

/// <summary>
/// Builds a loss from the name and options an experiment file gives. Option values may be numbers, strings (parsed
/// invariantly), booleans, null or <see cref="JsonElement"/>s; a null or absent option takes the loss's default
/// (except num_negatives and k, where null means "all"). Unknown names and options are errors listing the valid ones.
/// </summary>
public static class LossFactory
{
    static readonly Dictionary<string, string[]> OptionsByName = new()
    {
        ["bce"] = ["pos_weight"],
        ["listwise-ce"] = ["group_size"],
        ["mnrl"] = ["num_negatives", "scale", "activation", "seed"],
        ["cached-mnrl"] = ["num_negatives", "scale", "activation", "seed", "mini_batch_size"],
        ["lambda"] = ["weighting_scheme", "mu", "k", "sigma", "eps", "reduction_log", "activation"],
        ["listnet"] = ["activation"],
        ["ranknet"] = ["k", "sigma", "eps", "reduction_log", "activation"],
        ["margin-mse"] = ["activation"],
        ["kl-distill"] = ["temperature", "ce_weight"],
    };

    static readonly Dictionary<string, LambdaWeightingScheme> Schemes = new()
    {
        ["ndcg-loss2pp"] = LambdaWeightingScheme.NdcgLoss2PlusPlus,
        ["ndcg-loss2"] = LambdaWeightingScheme.NdcgLoss2,
        ["ndcg-loss1"] = LambdaWeightingScheme.NdcgLoss1,
        ["lambdarank"] = LambdaWeightingScheme.LambdaRank,
        ["none"] = LambdaWeightingScheme.NoWeighting,
    };

    /// <summary>Seed of the in-batch sampling when the options give none (the Hugging Face trainer's default seed).</summary>
    public const long DefaultSeed = 42;

    /// <summary>The loss names <see cref="Create"/> knows.</summary>
    public static IReadOnlyCollection<string> Names => OptionsByName.Keys;

    /// <summary>The options one loss accepts.</summary>
    public static IReadOnlyList<string> OptionsOf(string name) =>
        OptionsByName.TryGetValue(name, out var options) ? options : throw UnknownName(name);

    public static IRankingLoss Create(string name, IReadOnlyDictionary<string, object?>? options = null)
    {
        options ??= new Dictionary<string, object?>();
        var valid = OptionsOf(name);
        foreach (var key in options.Keys)
            if (!valid.Contains(key))
                throw new ArgumentException($"Loss '{name}' has no option '{key}'; valid: {(valid.Count == 0 ? "(none)" : string.Join(", ", valid))}.");
        var o = new Options(name, options);
        return name switch
        {
            "bce" => new BinaryCrossEntropyLoss(o.Double("pos_weight")),
            "listwise-ce" => new ListwiseCrossEntropyLoss(o.Int("group_size") ?? throw new ArgumentException("Loss 'listwise-ce' needs the option 'group_size'.")),
            "mnrl" => new MultipleNegativesRankingLoss(new DeterministicRandom(o.Long("seed") ?? DefaultSeed),
                o.NumNegatives(), o.Double("scale") ?? 10.0, o.Activation(LossActivation.Sigmoid)),
            "cached-mnrl" => new CachedMultipleNegativesRankingLoss(new DeterministicRandom(o.Long("seed") ?? DefaultSeed),
                o.NumNegatives(), o.Double("scale") ?? 10.0, o.Activation(LossActivation.Sigmoid), o.Int("mini_batch_size") ?? 32),
            "lambda" => new LambdaLoss(o.Scheme(), o.Double("mu") ?? 10.0, o.Int("k"), o.Double("sigma") ?? 1.0, o.Double("eps") ?? 1e-10,
                o.NaturalLog(), o.Activation(LossActivation.Identity)),
            "listnet" => new ListNetLoss(o.Activation(LossActivation.Identity)),
            "ranknet" => new RankNetLoss(o.Int("k"), o.Double("sigma") ?? 1.0, o.Double("eps") ?? 1e-10, o.NaturalLog(), o.Activation(LossActivation.Identity)),
            "margin-mse" => new MarginMseLoss(o.Activation(LossActivation.Identity)),
            "kl-distill" => new KlDistillationLoss(o.Double("temperature") ?? 1.0, o.Double("ce_weight") ?? 0.0),
            _ => throw UnknownName(name),
        };
    }

    static ArgumentException UnknownName(string name) =>
        new($"Unknown loss '{name}'; valid: {string.Join(", ", OptionsByName.Keys)}.");

    sealed class Options(string loss, IReadOnlyDictionary<string, object?> values)
    {
        object? Raw(string key)
        {
            if (!values.TryGetValue(key, out var value)) return null;
            if (value is JsonElement json)
                return json.ValueKind switch
                {
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.String => json.GetString(),
                    JsonValueKind.Number => json.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Bad(key, json.ToString(), "a number or a string"),
                };
            return value;
        }

        ArgumentException Bad(string key, object? value, string expected) =>
            new($"Loss '{loss}' option '{key}' must be {expected}; got '{value}'.");

        public double? Double(string key) => Raw(key) switch
        {
            null => null,
            string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad(key, s, "a number"),
            bool b => throw Bad(key, b, "a number"),
            IConvertible c => c.ToDouble(CultureInfo.InvariantCulture),
            var other => throw Bad(key, other, "a number"),
        };

        public long? Long(string key)
        {
            var d = Double(key);
            if (d is null) return null;
            if (d != Math.Floor(d.Value) || double.IsInfinity(d.Value)) throw Bad(key, d, "an integer");
            return (long)d.Value;
        }

        public int? Int(string key)
        {
            var l = Long(key);
            if (l is null) return null;
            if (l is < int.MinValue or > int.MaxValue) throw Bad(key, l, "a 32-bit integer");
            return (int)l.Value;
        }

        public string? String(string key) => Raw(key) switch
        {
            null => null,
            string s => s,
            var other => throw Bad(key, other, "a string"),
        };

        public int? NumNegatives() => values.ContainsKey("num_negatives") ? Int("num_negatives") : 4;

        public LossActivation Activation(LossActivation fallback)
        {
            var name = String("activation");
            if (name is null) return fallback;
            return LossActivations.Names.Contains(name.ToLowerInvariant())
                ? LossActivations.Parse(name)
                : throw Bad("activation", name, $"one of {string.Join(", ", LossActivations.Names)}");
        }

        public LambdaWeightingScheme Scheme()
        {
            var name = String("weighting_scheme");
            if (name is null) return LambdaWeightingScheme.NdcgLoss2PlusPlus;
            return Schemes.TryGetValue(name.ToLowerInvariant(), out var scheme)
                ? scheme
                : throw Bad("weighting_scheme", name, $"one of {string.Join(", ", Schemes.Keys)}");
        }

        public bool NaturalLog() => String("reduction_log")?.ToLowerInvariant() switch
        {
            null or "binary" => false,
            "natural" => true,
            var other => throw Bad("reduction_log", other, "binary or natural"),
        };
    }
}
