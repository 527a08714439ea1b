using System.Text.Json;
using System.Text.Json.Nodes;
using RerankExperiments.Modeling;
using RerankExperiments.Modeling.ModernBert;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Modeling;

/// <summary>
/// Logits identical (fp32, ≤ 1e-4) to transformers 5.17 on the ModernBERT fixtures: modernbert-cls-tiny (cls
/// pooling, local_attention 8, alternating global/local layers, max_length 256) and modernbert-mean-tiny (mean
/// pooling, local_attention 32, max_length 200; its config carries a stale global_attn_every_n_layers = 3 beside
/// layer_types, which transformers, and so this model, follow). Sequences run to 200–256 tokens, far beyond the
/// local windows, and the batched run pads, so both the window and the padding mask are exercised.
/// </summary>
public sealed class ModernBertParityTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    public static TheoryData<string> Fixtures_() => ["modernbert-cls-tiny", "modernbert-mean-tiny"];

    static string Dir(string model) => Fixtures.Path("hf", model);

    static JsonObject ConfigJson(string model) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(model), "config.json")))!;

    static ModernBertForSequenceClassification Load(string model, JsonObject? json = null)
    {
        var config = json is null ? ModelConfig.Load(Path.Combine(Dir(model), "config.json")) : new ModelConfig(json, $"{model} (rewritten config)");
        var network = Assert.IsType<ModernBertForSequenceClassification>(ModelFactory.Create(config));
        using var checkpoint = SafetensorsCheckpoint.Open(Dir(model));
        StateDict.Load(network, checkpoint);
        network.eval();
        return network;
    }

    static int MaxLength(string model)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(model), "expected_meta.json")));
        return meta.RootElement.GetProperty("max_length").GetInt32();
    }

    static List<EncodedText> Encode(string model)
    {
        var tokenizer = TokenizerLoader.Load(Dir(model));
        // The call's truncation overrides the one tokenizer.json carries (256 for the mean fixture).
        var truncation = new TruncationOptions(MaxLength(model));
        return File.ReadLines(Fixtures.Path("hf", "pairs.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return tokenizer.EncodePair(row.RootElement.GetProperty("query").GetString()!, row.RootElement.GetProperty("passage").GetString()!, truncation);
        }).ToList();
    }

    static List<double> Expected(string model, string field) =>
        File.ReadLines(Path.Combine(Dir(model), "expected_scores.jsonl")).Select(line =>
        {
            using var row = JsonDocument.Parse(line);
            return row.RootElement.GetProperty(field).GetDouble();
        }).ToList();

    static int PadId(string model) => TokenizerLoader.Load(Dir(model)).PadId ?? throw new InvalidOperationException("no pad token");

    /// <summary>One forward over <paramref name="encodings"/> padded to the longest (pad id, mask 0).</summary>
    static float[] Score(SequenceClassificationModel network, IReadOnlyList<EncodedText> encodings, int padId)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int length = encodings.Max(e => e.Length);
        var ids = new long[encodings.Count * length];
        var mask = new long[encodings.Count * length];
        for (int b = 0; b < encodings.Count; b++)
            for (int s = 0; s < length; s++)
            {
                bool real = s < encodings[b].Length;
                ids[b * length + s] = real ? encodings[b].InputIds[s] : padId;
                mask[b * length + s] = real ? encodings[b].AttentionMask[s] : 0;
            }
        var inputIds = tensor(ids, [encodings.Count, length]);
        var attentionMask = tensor(mask, [encodings.Count, length]);
        var logits = network.forward(inputIds, attentionMask, zeros_like(inputIds));
        Assert.Equal([encodings.Count, 1L], logits.shape);
        return logits.to(ScalarType.Float32).view(-1).data<float>().ToArray();
    }

    static double MaxDiff(IReadOnlyList<float> actual, IReadOnlyList<double> expected)
    {
        Assert.Equal(expected.Count, actual.Count);
        return actual.Select((a, i) => Math.Abs(a - expected[i])).Max();
    }

    [Theory]
    [MemberData(nameof(Fixtures_))]
    public void Checkpoint_loads_strictly_and_sequences_outrun_the_local_window(string model)
    {
        using var network = Load(model);
        using var checkpoint = SafetensorsCheckpoint.Open(Dir(model));
        Assert.True(StateDict.Compare(network, checkpoint).IsExact);
        Assert.Contains(Encode(model), e => e.Length > 4 * network.Settings.LocalAttention);
        Assert.False(network.UsesTokenTypeIds);
        Assert.True(network.IsHeadParameter("head.dense.weight") && network.IsHeadParameter("classifier.bias"));
        Assert.False(network.IsHeadParameter("model.final_norm.weight"));
        // A ModernBertForMaskedLM checkpoint's vocabulary projection is dropped when it starts a fine-tune.
        Assert.True(network.IsIgnorableCheckpointTensor("decoder.weight") && network.IsIgnorableCheckpointTensor("decoder.bias"));
        Assert.False(network.IsIgnorableCheckpointTensor("head.norm.weight"));
        Assert.Equal(8192, network.MaxSequenceLength);
    }

    [Theory]
    [MemberData(nameof(Fixtures_))]
    public void Each_pair_alone_scores_as_transformers(string model)
    {
        using var network = Load(model);
        int padId = PadId(model);
        var scores = Encode(model).Select(e => Score(network, [e], padId)[0]).ToList();
        double diff = MaxDiff(scores, Expected(model, "logit"));
        output.WriteLine($"{model}: max |logit − transformers| single = {diff:E2}");
        Assert.True(diff <= Tolerance, $"max abs diff {diff}");
    }

    [Theory]
    [MemberData(nameof(Fixtures_))]
    public void A_padded_batch_scores_as_transformers_and_as_single_pairs(string model)
    {
        using var network = Load(model);
        var encodings = Encode(model);
        int padId = PadId(model);
        var batched = Score(network, encodings, padId);
        double diff = MaxDiff(batched, Expected(model, "logit_batched"));
        output.WriteLine($"{model}: max |logit − transformers| batched = {diff:E2}");
        Assert.True(diff <= Tolerance, $"max abs diff {diff}");
        Assert.True(MaxDiff(batched, Expected(model, "logit")) <= Tolerance, "padding changed the scores");

        var probabilities = batched.Select(l => 1.0 / (1.0 + Math.Exp(-l))).ToList();
        var predicted = Expected(model, "cross_encoder_predict");
        double probabilityDiff = probabilities.Select((p, i) => Math.Abs(p - predicted[i])).Max();
        output.WriteLine($"{model}: max |sigmoid − CrossEncoder.predict| = {probabilityDiff:E2}");
        Assert.True(probabilityDiff <= Tolerance, $"max abs diff {probabilityDiff}");
    }

    [Fact]
    public void Forward_leaves_no_tensors_but_its_result()
    {
        const string model = "modernbert-mean-tiny";
        var encoding = Encode(model)[0];
        using var network = Load(model);
        using var noGrad = no_grad();
        using var ids = tensor(encoding.InputIds.Select(i => (long)i).ToArray(), [1, encoding.Length]);
        using var mask = ones_like(ids);
        using var types = zeros_like(ids);
        network.forward(ids, mask, types).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var logits = network.forward(ids, mask, types))
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void The_local_window_changes_the_scores()
    {
        const string model = "modernbert-cls-tiny";
        var encodings = Encode(model).Take(8).ToList();
        int padId = PadId(model);
        using var windowed = Load(model);
        var wide = ConfigJson(model);
        wide["local_attention"] = 100_000;
        using var unwindowed = Load(model, wide);
        var a = Score(windowed, encodings, padId);
        var b = Score(unwindowed, encodings, padId);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-2);
    }

    [Fact]
    public void The_v4_config_form_gives_identical_logits()
    {
        const string model = "modernbert-cls-tiny";
        // transformers 4.x form: no layer_types / rope_parameters; the pattern from global_attn_every_n_layers (2
        // here, the same alternation as the fixture's layer_types) and the two thetas as top-level fields.
        var v4 = ConfigJson(model);
        v4.Remove("layer_types");
        v4.Remove("rope_parameters");
        v4["global_rope_theta"] = 160000.0;
        v4["local_rope_theta"] = 10000.0;
        var encodings = Encode(model);
        int padId = PadId(model);
        using var fromV5 = Load(model);
        using var fromV4 = Load(model, v4);
        Assert.Equal(fromV5.Settings.GlobalLayers, fromV4.Settings.GlobalLayers);
        Assert.Equal(Score(fromV5, encodings, padId), Score(fromV4, encodings, padId));
    }

    [Fact]
    public void Layer_types_win_over_a_stale_global_attn_every_n_layers()
    {
        using var network = Load("modernbert-mean-tiny");
        Assert.Equal([true, false, true, false], network.Settings.GlobalLayers);

        var v4 = ConfigJson("modernbert-mean-tiny");
        v4.Remove("layer_types");
        var settings = ModernBertSettings.Read(new ModelConfig(v4, "v4"));
        Assert.Equal([true, false, false, true], settings.GlobalLayers);
    }

    [Fact]
    public void Rope_thetas_come_from_rope_parameters_before_the_legacy_fields()
    {
        var json = ConfigJson("modernbert-cls-tiny");
        json["global_rope_theta"] = JsonNode.Parse("1.0");
        json["rope_parameters"]!["sliding_attention"]!["rope_theta"] = 500;
        var settings = ModernBertSettings.Read(new ModelConfig(json, "test"));
        Assert.Equal(160000.0, settings.GlobalRopeTheta);
        Assert.Equal(500.0, settings.LocalRopeTheta);
    }

    [Fact]
    public void Random_init_has_the_checkpoint_names_and_shapes_and_transformers_statistics()
    {
        const string model = "modernbert-cls-tiny";
        manual_seed(5);
        using var network = new ModernBertForSequenceClassification(ModelConfig.Load(Path.Combine(Dir(model), "config.json")));
        using var checkpoint = SafetensorsCheckpoint.Open(Dir(model));
        var report = StateDict.Compare(network, checkpoint);
        Assert.True(report.IsExact, $"missing [{string.Join(", ", report.Missing)}] unexpected [{string.Join(", ", report.Unexpected)}] mismatched [{string.Join(", ", report.Mismatched)}]");

        var tensors = StateDict.Of(network).ToDictionary(p => p.Key, p => p.Value);
        double range = 0.02, outStd = range / Math.Sqrt(2 * 4), finalStd = 1 / Math.Sqrt(64);
        void Truncated(string name, double std)
        {
            var t = tensors[name];
            Assert.True(t.abs().max().item<float>() <= 2 * std + 1e-7, $"{name} exceeds the ±2σ cutoff");
            // A normal cut at ±2σ has standard deviation 0.880σ.
            Assert.InRange(t.std().item<float>(), 0.75 * 0.88 * std, 1.25 * 0.88 * std);
        }
        Truncated("model.embeddings.tok_embeddings.weight", range);
        Truncated("model.layers.1.attn.Wqkv.weight", range);
        Truncated("model.layers.1.attn.Wo.weight", outStd);
        Truncated("model.layers.2.mlp.Wi.weight", range);
        Truncated("model.layers.2.mlp.Wo.weight", outStd);
        Truncated("head.dense.weight", outStd);
        Assert.True(tensors["classifier.weight"].abs().max().item<float>() <= 2 * finalStd + 1e-7);
        Assert.Equal(0f, tensors["classifier.bias"].abs().max().item<float>());
        foreach (var (name, t) in tensors.Where(p => p.Key.EndsWith("norm.weight", StringComparison.Ordinal)))
            Assert.True(t.eq(1).all().item<bool>(), name);
    }

    [Theory]
    [InlineData("num_attention_heads", 5)]
    [InlineData("classifier_pooling", "max")]
    [InlineData("hidden_activation", "gelu_magic")]
    [InlineData("layer_types", "[\"full_attention\"]")]
    [InlineData("rope_parameters.full_attention.rope_type", "yarn")]
    [InlineData("pad_token_id", 5000)]
    [InlineData("local_attention", 0)]
    [InlineData("norm_eps", 0)]
    [InlineData("intermediate_size", "wide")]
    public void A_bad_config_field_is_named_in_the_error(string field, object value)
    {
        var json = ConfigJson("modernbert-cls-tiny");
        if (field.StartsWith("rope_parameters.", StringComparison.Ordinal))
            json["rope_parameters"]!["full_attention"]!["rope_type"] = (string)value;
        else
            // Through the parser, so the values are typed as a file's would be.
            json[field] = JsonNode.Parse(value is string text && !text.StartsWith('[') ? JsonSerializer.Serialize(text) : value.ToString()!);
        var error = Assert.Throws<ModelFormatException>(() => new ModernBertForSequenceClassification(new ModelConfig(json, "config.json")));
        Assert.Contains($"'{field}'", error.Message);
    }

    [Fact]
    public void Bfloat16_runs_in_its_dtype_and_stays_close()
    {
        const string model = "modernbert-cls-tiny";
        var encodings = Encode(model).Take(8).ToList();
        int padId = PadId(model);
        using var network = Load(model);
        var full = Score(network, encodings, padId);
        network.to(ScalarType.BFloat16);
        Assert.All(StateDict.Of(network), p => Assert.Equal(ScalarType.BFloat16, p.Value.dtype));
        var half = Score(network, encodings, padId);
        double diff = full.Zip(half).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"bf16 vs fp32 max diff {diff:E2}");
        Assert.All(half, v => Assert.True(float.IsFinite(v)));
        Assert.True(diff < 0.25, $"bf16 drifted {diff}");
    }
}
