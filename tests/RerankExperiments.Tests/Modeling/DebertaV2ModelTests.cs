using System.Text.Json.Nodes;
using RerankExperiments.Losses;
using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Modeling.DebertaV2;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tests.Training;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using RerankExperiments.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Modeling;

/// <summary>
/// DeBERTa-v2/v3 without transformers at hand: the log buckets against the formula, the forward against a
/// loop-by-loop re-derivation of the reference's equations, every config variant, padding, the checkpoint names, a
/// folder through CrossEncoder.Load and the Reranker, save/load, merging and a few training steps. Parity with
/// transformers itself is <see cref="DebertaV2ParityTests"/>, pending its device-made fixture.
/// </summary>
public sealed class DebertaV2ModelTests
{
    /// <summary>A tiny v3-shaped config: relative attention with buckets (mid 8, so sequences of 40 use the log range), shared keys, no absolute positions or token types.</summary>
    static JsonObject V3Json() => new()
    {
        ["model_type"] = "deberta-v2", ["vocab_size"] = 128, ["hidden_size"] = 32, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4,
        ["intermediate_size"] = 48, ["max_position_embeddings"] = 64, ["relative_attention"] = true, ["position_buckets"] = 16,
        ["max_relative_positions"] = -1, ["pos_att_type"] = new JsonArray("p2c", "c2p"), ["share_att_key"] = true, ["norm_rel_ebd"] = "layer_norm",
        ["position_biased_input"] = false, ["type_vocab_size"] = 0, ["layer_norm_eps"] = 1e-7, ["hidden_act"] = "gelu", ["pad_token_id"] = 0,
        // Weights spread wide, so every part moves the score.
        ["initializer_range"] = 0.3, ["id2label"] = new JsonObject { ["0"] = "LABEL_0" },
    };

    /// <summary>The config variants the reference lists, as edits of <see cref="V3Json"/>.</summary>
    static readonly Dictionary<string, Action<JsonObject>> Variants = new()
    {
        ["v3"] = _ => { },
        ["own position projections"] = j => j["share_att_key"] = false,
        ["c2p only, own projection"] = j => { j["share_att_key"] = false; j["pos_att_type"] = new JsonArray("c2p"); },
        ["p2c only, own projection"] = j => { j["share_att_key"] = false; j["pos_att_type"] = new JsonArray("p2c"); },
        ["p2c only, shared"] = j => j["pos_att_type"] = "p2c",
        ["pipe-separated string"] = j => j["pos_att_type"] = "C2P|p2c",
        ["no relative terms"] = j => j.Remove("pos_att_type"),
        ["no buckets"] = j => j["position_buckets"] = -1,
        ["no buckets, short max_relative_positions"] = j => { j["position_buckets"] = 0; j["max_relative_positions"] = 4; },
        ["no rel norm"] = j => j["norm_rel_ebd"] = "none",
        ["absolute positions"] = j => j["position_biased_input"] = true,
        ["token types"] = j => j["type_vocab_size"] = 2,
        ["embedding_size 16"] = j => j["embedding_size"] = 16,
        ["no relative attention (v2 base)"] = j => { j["relative_attention"] = false; j["position_biased_input"] = true; },
        ["conv layer"] = j => { j["conv_kernel_size"] = 3; j["conv_groups"] = 2; j["conv_act"] = "gelu"; },
        ["three labels"] = j => j["id2label"] = new JsonObject { ["0"] = "contradiction", ["1"] = "entailment", ["2"] = "neutral" },
    };

    public static TheoryData<string> VariantNames() => [.. Variants.Keys];

    static ModelConfig Config(string variant = "v3", Action<JsonObject>? edit = null)
    {
        var json = V3Json();
        Variants[variant](json);
        edit?.Invoke(json);
        return new ModelConfig(json, $"deberta {variant}/config.json");
    }

    static DebertaV2ForSequenceClassification Build(string variant = "v3", long seed = 3, Action<JsonObject>? edit = null)
    {
        manual_seed(seed);
        var model = Assert.IsType<DebertaV2ForSequenceClassification>(ModelFactory.Create(Config(variant, edit)));
        model.eval();
        return model;
    }

    // ---- relative positions -------------------------------------------------------------------------------------

    /// <summary>The reference's formula, evaluated by hand in double.</summary>
    static long ExpectedBucket(long r, int bucketSize, int maxPosition)
    {
        long mid = bucketSize / 2;
        if (Math.Abs(r) <= mid) return r;
        double log = Math.Ceiling(Math.Log(Math.Abs(r) / (double)mid) / Math.Log((maxPosition - 1) / (double)mid) * (mid - 1)) + mid;
        return Math.Sign(r) * (long)log;
    }

    [Theory]
    [InlineData(256, 512)]
    [InlineData(16, 64)]
    [InlineData(8, 32)]
    public void Log_buckets_follow_the_formula_on_hand_picked_distances(int bucketSize, int maxPosition)
    {
        int mid = bucketSize / 2;
        var distances = new List<long> { 0, 1, mid - 1, mid, mid + 1, mid + 2, 2 * mid, maxPosition - 2, maxPosition - 1, maxPosition, 2 * maxPosition, 10 * maxPosition };
        distances.AddRange(distances.Select(d => -d).ToList());
        using var relative = tensor(distances.ToArray());
        using var buckets = DebertaV2RelativePositions.LogBucket(relative, bucketSize, maxPosition);
        Assert.Equal(ScalarType.Int64, buckets.dtype);
        var actual = buckets.data<long>().ToArray();
        for (int i = 0; i < distances.Count; i++)
            Assert.True(ExpectedBucket(distances[i], bucketSize, maxPosition) == actual[i], $"P({distances[i]}) = {actual[i]}, formula {ExpectedBucket(distances[i], bucketSize, maxPosition)}");
    }

    [Fact]
    public void V3_buckets_are_the_reference_table()
    {
        long[] distances = [0, 1, 127, 128, 129, 140, 200, 256, 400, 500, 506, 511, 512, 1000, 4000, -129, -200, -511, -4000];
        long[] expected = [0, 1, 127, 128, 129, 137, 169, 192, 233, 254, 255, 255, 256, 317, 444, -129, -169, -255, -444];
        using var relative = tensor(distances);
        using var buckets = DebertaV2RelativePositions.LogBucket(relative, 256, 512);
        Assert.Equal(expected, buckets.data<long>().ToArray());
    }

    [Fact]
    public void The_position_matrix_is_i_minus_j_bucketed_and_its_table_rows_stay_in_range()
    {
        using var plain = DebertaV2RelativePositions.Build(4, positionBuckets: -1, maxRelativePositions: 512);
        Assert.Equal(new long[] { 0, -1, -2, -3, 1, 0, -1, -2, 2, 1, 0, -1, 3, 2, 1, 0 }, plain.data<long>().ToArray());

        using var bucketed = DebertaV2RelativePositions.Build(600, 256, 512);
        Assert.Equal([600L, 600], bucketed.shape);
        Assert.Equal(ExpectedBucket(599, 256, 512), bucketed[599, 0].item<long>());
        Assert.Equal(ExpectedBucket(-300, 256, 512), bucketed[0, 300].item<long>());
        using var rows = DebertaV2RelativePositions.TableIndex(bucketed, 256);
        Assert.Equal(0, rows.min().item<long>());
        Assert.Equal(511, rows.max().item<long>());
        Assert.Equal(256, rows[5, 5].item<long>());

        // Without buckets a short span clamps long distances onto the end rows.
        using var clamped = DebertaV2RelativePositions.TableIndex(DebertaV2RelativePositions.Build(10, 0, 4), 4);
        Assert.Equal(new long[] { 4, 3, 2, 1, 0, 0, 0, 0, 0, 0 }, clamped[0].data<long>().ToArray());
        Assert.Equal(new long[] { 7, 7, 7, 7, 7, 7, 7, 6, 5, 4 }, clamped[9].data<long>().ToArray());
    }

    // ---- names, shapes, variants ----------------------------------------------------------------------------------

    [Fact]
    public void The_v3_state_dict_has_the_hugging_face_names_and_shapes()
    {
        using var model = Build();
        var shapes = StateDict.Of(model).ToDictionary(e => e.Key, e => e.Value.shape);
        Assert.Equal([128L, 32], shapes["deberta.embeddings.word_embeddings.weight"]);
        Assert.Equal([32L], shapes["deberta.embeddings.LayerNorm.weight"]);
        Assert.Equal([32L, 32], shapes["deberta.encoder.layer.0.attention.self.query_proj.weight"]);
        Assert.Equal([32L], shapes["deberta.encoder.layer.1.attention.self.value_proj.bias"]);
        Assert.Equal([32L, 32], shapes["deberta.encoder.layer.1.attention.output.dense.weight"]);
        Assert.Equal([32L], shapes["deberta.encoder.layer.1.attention.output.LayerNorm.bias"]);
        Assert.Equal([48L, 32], shapes["deberta.encoder.layer.0.intermediate.dense.weight"]);
        Assert.Equal([32L, 48], shapes["deberta.encoder.layer.0.output.dense.weight"]);
        Assert.Equal([32L], shapes["deberta.encoder.layer.0.output.LayerNorm.weight"]);
        Assert.Equal([32L, 32], shapes["deberta.encoder.rel_embeddings.weight"]);
        Assert.Equal([32L], shapes["deberta.encoder.LayerNorm.weight"]);
        Assert.Equal([32L, 32], shapes["pooler.dense.weight"]);
        Assert.Equal([1L, 32], shapes["classifier.weight"]);
        Assert.Equal([1L], shapes["classifier.bias"]);
        Assert.DoesNotContain(shapes.Keys, n => n.Contains("position_embeddings") || n.Contains("token_type") || n.Contains("embed_proj")
            || n.Contains("pos_key_proj") || n.Contains("pos_query_proj") || n.Contains("conv"));
        // 2 layers × 16 tensors, embeddings 3, encoder 3, pooler 2, classifier 2.
        Assert.Equal(2 * 16 + 3 + 3 + 2 + 2, shapes.Count);
        Assert.False(model.UsesTokenTypeIds);
        Assert.Equal(64, model.MaxSequenceLength);
    }

    [Theory]
    [InlineData("own position projections", "deberta.encoder.layer.0.attention.self.pos_key_proj.weight", "deberta.encoder.layer.0.attention.self.pos_query_proj.bias")]
    [InlineData("c2p only, own projection", "deberta.encoder.layer.1.attention.self.pos_key_proj.bias", null)]
    [InlineData("p2c only, own projection", "deberta.encoder.layer.1.attention.self.pos_query_proj.weight", null)]
    [InlineData("absolute positions", "deberta.embeddings.position_embeddings.weight", null)]
    [InlineData("token types", "deberta.embeddings.token_type_embeddings.weight", null)]
    [InlineData("embedding_size 16", "deberta.embeddings.embed_proj.weight", null)]
    [InlineData("conv layer", "deberta.encoder.conv.conv.weight", "deberta.encoder.conv.LayerNorm.weight")]
    public void Each_variant_adds_its_tensors(string variant, string name, string? other)
    {
        using var model = Build(variant);
        var shapes = StateDict.Of(model).ToDictionary(e => e.Key, e => e.Value.shape);
        Assert.Contains(name, shapes.Keys);
        if (other is not null) Assert.Contains(other, shapes.Keys);
        switch (variant)
        {
            case "c2p only, own projection": Assert.DoesNotContain(shapes.Keys, n => n.Contains("pos_query_proj")); break;
            case "p2c only, own projection": Assert.DoesNotContain(shapes.Keys, n => n.Contains("pos_key_proj")); break;
            case "absolute positions": Assert.Equal([64L, 32], shapes[name]); break;
            case "token types": Assert.Equal([2L, 32], shapes[name]); break;
            case "embedding_size 16":
                Assert.Equal([32L, 16], shapes[name]);
                Assert.Equal([128L, 16], shapes["deberta.embeddings.word_embeddings.weight"]);
                Assert.DoesNotContain("deberta.embeddings.embed_proj.bias", shapes.Keys);
                break;
            case "conv layer": Assert.Equal([32L, 16, 3], shapes[name]); break;
        }
    }

    [Theory]
    [InlineData("no buckets", 128)]
    [InlineData("no buckets, short max_relative_positions", 8)]
    [InlineData("v3", 32)]
    public void The_relative_table_has_two_spans_of_rows(string variant, long rows)
    {
        using var model = Build(variant);
        Assert.Equal([rows, 32L], StateDict.Of(model).Single(e => e.Key == "deberta.encoder.rel_embeddings.weight").Value.shape);
    }

    [Fact]
    public void Without_relative_attention_there_is_no_table_but_norm_rel_ebd_still_makes_the_norm()
    {
        using var model = Build("no relative attention (v2 base)");
        var names = StateDict.Of(model).Select(e => e.Key).ToList();
        Assert.DoesNotContain("deberta.encoder.rel_embeddings.weight", names);
        Assert.Contains("deberta.encoder.LayerNorm.weight", names);
    }

    /// <summary>Right-padded ids (CLS first), mask and types for sequences of the given lengths; padding holds <paramref name="padFill"/> ids.</summary>
    static (Tensor Ids, Tensor Mask, Tensor Types) Batch(int[] lengths, long seed, Func<int, long> padFill)
    {
        var random = new Random((int)seed);
        int longest = lengths.Max();
        var ids = new long[lengths.Length * longest];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        for (int b = 0; b < lengths.Length; b++)
            for (int s = 0; s < longest; s++)
            {
                int at = b * longest + s;
                bool real = s < lengths[b];
                ids[at] = !real ? padFill(at) : s == 0 ? 1 : random.Next(4, 128);
                mask[at] = real ? 1 : 0;
                types[at] = real && s > lengths[b] / 2 ? 1 : 0;
            }
        long[] shape = [lengths.Length, longest];
        return (tensor(ids, shape), tensor(mask, shape), tensor(types, shape));
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Every_variant_runs_and_padding_changes_no_real_score(string variant)
    {
        using var model = Build(variant);
        using var noGrad = no_grad();
        int[] lengths = [40, 23, 9, 2];
        var (ids, mask, types) = Batch(lengths, seed: 5, padFill: _ => 0);
        using (ids)
        using (mask)
        using (types)
        using (var batched = model.forward(ids, mask, types))
        {
            Assert.Equal([4L, model.NumLabels], batched.shape);
            Assert.True(batched.isfinite().all().item<bool>());
            // Padding filled with other ids changes nothing either: the mask, not the pad id, hides it.
            var (noisyIds, _, _) = Batch(lengths, seed: 5, padFill: at => 4 + at % 100);
            using (noisyIds)
            using (var noisy = model.forward(noisyIds, mask, types))
                Assert.True(noisy.sub(batched).abs().max().item<float>() <= 1e-5, "pad ids changed the scores");
            for (int b = 0; b < lengths.Length; b++)
            {
                using var alone = model.forward(ids[b..(b + 1), ..lengths[b]], mask[b..(b + 1), ..lengths[b]], types[b..(b + 1), ..lengths[b]]);
                float difference = alone.sub(batched[b..(b + 1)]).abs().max().item<float>();
                Assert.True(difference <= 1e-5, $"sequence {b} (length {lengths[b]}): padded batch differs from alone by {difference}");
            }
            using var hidden = model.HiddenStates(ids, mask, types);
            Assert.Equal([4L, 40, 32], hidden.shape);
        }
    }

    [Fact]
    public void Each_relative_term_and_switch_changes_the_scores()
    {
        var (ids, mask, types) = Batch([30, 17], seed: 9, padFill: _ => 0);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float[] Scores(string variant, Action<JsonObject>? edit = null)
        {
            using var model = Build(variant, seed: 11, edit);
            return model.forward(ids, mask, types).data<float>().ToArray();
        }
        var v3 = Scores("v3");
        // Same parameters (same seed, same tensors), different computation.
        foreach (var (name, edit) in new (string, Action<JsonObject>)[]
                 {
                     ("c2p only", j => j["pos_att_type"] = "c2p"),
                     ("p2c only", j => j["pos_att_type"] = "p2c"),
                     ("no rel norm", j => j["norm_rel_ebd"] = "none"),
                 })
        {
            var other = Scores("v3", edit);
            Assert.True(v3.Zip(other).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, $"{name} gave the v3 scores");
        }
    }

    [Fact]
    public void Token_types_reach_the_model_only_with_a_type_table()
    {
        var (ids, mask, types) = Batch([12], seed: 2, padFill: _ => 0);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (variant, matters) in new[] { ("v3", false), ("token types", true) })
        {
            using var model = Build(variant);
            float withTypes = model.forward(ids, mask, types).item<float>(), withZeros = model.forward(ids, mask, zeros_like(types)).item<float>();
            Assert.Equal(matters, Math.Abs(withTypes - withZeros) > 1e-4);
            Assert.Equal(matters, model.UsesTokenTypeIds);
        }
    }

    [Fact]
    public void Random_init_follows_transformers()
    {
        using var model = Build("conv layer", edit: j => j["initializer_range"] = 0.02);
        foreach (var (name, value) in StateDict.Of(model))
        {
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) Assert.True(value.eq(1).all().item<bool>(), name);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) Assert.True(value.eq(0).all().item<bool>(), name);
            else
            {
                double std = value.std().item<float>();
                Assert.InRange(std, 0.012, 0.028);
            }
        }
        var words = StateDict.Of(model).Single(e => e.Key == "deberta.embeddings.word_embeddings.weight").Value;
        Assert.True(words[0].eq(0).all().item<bool>(), "the padding row is zero");
    }

    [Trait("Category", "Faults")]
    [Theory]
    [InlineData("pos_att_type", "\"p2p\"", "'p2p' is not supported")]
    [InlineData("pos_att_type", "[\"c2p\", 3]", "entry 1")]
    [InlineData("norm_rel_ebd", "\"batch_norm\"", "not supported")]
    [InlineData("pooler_hidden_size", "16", "hidden_size")]
    [InlineData("hidden_size", "30", "not a multiple of num_attention_heads")]
    [InlineData("attention_head_size", "16", "hidden_size / num_attention_heads")]
    [InlineData("position_buckets", "1", "linear range")]
    [InlineData("max_relative_positions", "9", "must exceed")]
    [InlineData("conv_kernel_size", "2", "even")]
    [InlineData("hidden_act", "\"mish\"", "'mish' is not supported")]
    [InlineData("type_vocab_size", "-1", "negative")]
    [InlineData("pad_token_id", "500", "not a token id")]
    public void Config_errors_name_the_field(string field, string value, string problem)
    {
        var config = Config(edit: j => j[field] = JsonNode.Parse(value));
        var error = Assert.Throws<ModelFormatException>(() => ModelFactory.Create(config));
        Assert.Contains($"'{field}'", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void Missing_fields_take_the_DebertaV2Config_defaults()
    {
        var settings = DebertaV2Settings.Read(new ModelConfig(new JsonObject { ["model_type"] = "deberta-v2" }, "config.json"));
        Assert.Equal((128100, 1536, 24, 24, 6144), (settings.VocabSize, settings.HiddenSize, settings.NumHiddenLayers, settings.NumAttentionHeads, settings.IntermediateSize));
        Assert.Equal((0, 1e-7, true, false), (settings.TypeVocabSize, settings.LayerNormEps, settings.PositionBiasedInput, settings.RelativeAttention));
        Assert.Equal((512, -1, false, false, false), (settings.MaxRelativePositions, settings.PositionBuckets, settings.ShareAttKey, settings.C2P, settings.P2C));
        Assert.Equal((1536, 1, 64), (settings.EmbeddingSize, settings.ScaleFactor, settings.HeadSize));
        Assert.Equal(("gelu", 0.1, 0.0), (settings.PoolerHiddenAct, settings.ClassifierDropout, settings.PoolerDropout));
        // v3: c2p and p2c divide every term by √(3d); the span is position_buckets.
        var v3 = DebertaV2Settings.Read(Config());
        Assert.Equal((3, 16, 64), (v3.ScaleFactor, v3.AttentionSpan, v3.MaxRelativePositions));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Wrong_inputs_are_exceptions_not_crashes()
    {
        using var model = Build();
        using var ids = zeros(2, 5, dtype: ScalarType.Int64);
        using var shortMask = ones(2, 4, dtype: ScalarType.Int64);
        Assert.Contains("attention_mask", Assert.Throws<ArgumentException>(() => model.forward(ids, shortMask, ids)).Message);
        using var tooLong = zeros(1, 65, dtype: ScalarType.Int64);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() => model.forward(tooLong, tooLong, tooLong)).Message);
    }

    [Fact]
    public void Forward_leaves_no_tensors_but_its_result()
    {
        using var model = Build("own position projections");
        using var noGrad = no_grad();
        var (ids, mask, types) = Batch([20, 7], seed: 1, padFill: _ => 0);
        using (ids)
        using (mask)
        using (types)
        {
            model.forward(ids, mask, types).Dispose();
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using (var logits = model.forward(ids, mask, types))
                Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void Dropout_follows_train_and_eval()
    {
        using var model = Build(edit: j => j["hidden_dropout_prob"] = 0.5);
        using var noGrad = no_grad();
        var (ids, mask, types) = Batch([20, 7], seed: 1, padFill: _ => 0);
        using var scope = NewDisposeScope();
        var first = model.forward(ids, mask, types);
        Assert.True(first.eq(model.forward(ids, mask, types)).all().item<bool>());
        model.train();
        Assert.False(first.eq(model.forward(ids, mask, types)).all().item<bool>());
    }

    [Fact]
    public void Runs_in_bfloat16_close_to_fp32()
    {
        using var model = Build(edit: j => j["initializer_range"] = 0.1);
        using var noGrad = no_grad();
        var (ids, mask, types) = Batch([20, 7], seed: 1, padFill: _ => 0);
        using var scope = NewDisposeScope();
        var full = model.forward(ids, mask, types).data<float>().ToArray();
        model.to(ScalarType.BFloat16);
        var low = model.forward(ids, mask, types);
        Assert.Equal(ScalarType.BFloat16, low.dtype);
        var half = low.to(ScalarType.Float32).data<float>().ToArray();
        Assert.True(full.Zip(half).Max(p => Math.Abs(p.First - p.Second)) < 0.25);
    }

    // ---- the equations, loop by loop ----------------------------------------------------------------------------

    /// <summary>
    /// Logits from the reference's equations (§3–§7) in double, with explicit loops over tokens, heads and pairs,
    /// reading the model's own weights: an independent check of the tensor code's gathers, transposes and masks.
    /// hidden_act is the tanh GELU so the loops need no erf; real tokens only (padding can't reach them).
    /// </summary>
    static double[] ReferenceLogits(DebertaV2ForSequenceClassification model, long[] ids, long[] types)
    {
        var s = model.Settings;
        var w = StateDict.Of(model).ToDictionary(e => e.Key, e => e.Value.to(ScalarType.Float64).data<double>().ToArray());
        int n = ids.Length, h = s.HiddenSize, e = s.EmbeddingSize, heads = s.NumAttentionHeads, d = s.HeadSize;
        double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        double[] Linear(double[] x, string name, int inSize, int outSize)
        {
            var y = new double[outSize];
            var weight = w[name + ".weight"];
            w.TryGetValue(name + ".bias", out var bias);
            for (int o = 0; o < outSize; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int i = 0; i < inSize; i++) sum += weight[o * inSize + i] * x[i];
                y[o] = sum;
            }
            return y;
        }
        double[] Norm(double[] x, string name)
        {
            double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
            return x.Select((v, i) => (v - mean) / Math.Sqrt(variance + s.LayerNormEps) * w[name + ".weight"][i] + w[name + ".bias"][i]).ToArray();
        }
        double[] Row(string name, long row, int width) => w[name].Skip((int)row * width).Take(width).ToArray();

        var x = new double[n][];
        for (int t = 0; t < n; t++)
        {
            var v = Row("deberta.embeddings.word_embeddings.weight", ids[t], e);
            if (s.PositionBiasedInput) v = v.Zip(Row("deberta.embeddings.position_embeddings.weight", t, e), (a, b) => a + b).ToArray();
            if (s.TypeVocabSize > 0) v = v.Zip(Row("deberta.embeddings.token_type_embeddings.weight", types[t], e), (a, b) => a + b).ToArray();
            if (e != h) v = Linear(v, "deberta.embeddings.embed_proj", e, h);
            x[t] = Norm(v, "deberta.embeddings.LayerNorm");
        }
        int span = s.AttentionSpan;
        double[][] table = Enumerable.Range(0, 2 * span).Select(r => Row("deberta.encoder.rel_embeddings.weight", r, h)).ToArray();
        if (s.NormalizeRelativeEmbeddings) table = table.Select(r => Norm(r, "deberta.encoder.LayerNorm")).ToArray();
        int Delta(int i, int j) => (int)Math.Clamp((s.PositionBuckets > 0 ? ExpectedBucket(i - j, s.PositionBuckets, s.MaxRelativePositions) : i - j) + span, 0, 2 * span - 1);
        double scale = Math.Sqrt(d * s.ScaleFactor);

        for (int layer = 0; layer < s.NumHiddenLayers; layer++)
        {
            string p = $"deberta.encoder.layer.{layer}.";
            var q = x.Select(v => Linear(v, p + "attention.self.query_proj", h, h)).ToArray();
            var k = x.Select(v => Linear(v, p + "attention.self.key_proj", h, h)).ToArray();
            var val = x.Select(v => Linear(v, p + "attention.self.value_proj", h, h)).ToArray();
            string keyProj = s.ShareAttKey ? "attention.self.key_proj" : "attention.self.pos_key_proj";
            string queryProj = s.ShareAttKey ? "attention.self.query_proj" : "attention.self.pos_query_proj";
            var kr = s.C2P ? table.Select(r => Linear(r, p + keyProj, h, h)).ToArray() : null;
            var qr = s.P2C ? table.Select(r => Linear(r, p + queryProj, h, h)).ToArray() : null;
            var context = Enumerable.Range(0, n).Select(_ => new double[h]).ToArray();
            for (int a = 0; a < heads; a++)
            {
                double Dot(double[] u, double[] v) => Enumerable.Range(a * d, d).Sum(c => u[c] * v[c]);
                for (int i = 0; i < n; i++)
                {
                    var score = new double[n];
                    for (int j = 0; j < n; j++)
                    {
                        score[j] = Dot(q[i], k[j]) / scale;
                        if (kr is not null) score[j] += Dot(q[i], kr[Delta(i, j)]) / scale;
                        if (qr is not null) score[j] += Dot(k[j], qr[Delta(i, j)]) / scale;
                    }
                    double max = score.Max();
                    var weights = score.Select(v => Math.Exp(v - max)).ToArray();
                    double total = weights.Sum();
                    for (int j = 0; j < n; j++)
                        for (int c = a * d; c < (a + 1) * d; c++) context[i][c] += weights[j] / total * val[j][c];
                }
            }
            var attended = Enumerable.Range(0, n).Select(t =>
                Norm(Linear(context[t], p + "attention.output.dense", h, h).Zip(x[t], (a, b) => a + b).ToArray(), p + "attention.output.LayerNorm")).ToArray();
            x = attended.Select(v =>
                Norm(Linear(Linear(v, p + "intermediate.dense", h, s.IntermediateSize).Select(Gelu).ToArray(), p + "output.dense", s.IntermediateSize, h)
                    .Zip(v, (a, b) => a + b).ToArray(), p + "output.LayerNorm")).ToArray();
        }
        var pooled = Linear(x[0], "pooler.dense", h, h).Select(Gelu).ToArray();
        return Linear(pooled, "classifier", h, model.NumLabels);
    }

    [Theory]
    [InlineData("v3")]
    [InlineData("own position projections")]
    [InlineData("c2p only, own projection")]
    [InlineData("p2c only, shared")]
    [InlineData("no buckets, short max_relative_positions")]
    [InlineData("no rel norm")]
    [InlineData("three labels")]
    public void Logits_equal_the_equations_worked_loop_by_loop(string variant)
    {
        void Edit(JsonObject j)
        {
            j["hidden_act"] = "gelu_new";
            j["pooler_hidden_act"] = "gelu_new";
            // Longer than the bucket's linear range (mid 8) and the unbucketed span (4) alike.
            j["num_hidden_layers"] = 1;
        }
        using var model = Build(variant, seed: 21, Edit);
        foreach (var (extra, edit) in new (string, Action<JsonObject>?)[] { ("", null), (" + absolute positions, types, embed_proj", j => { j["position_biased_input"] = true; j["type_vocab_size"] = 2; j["embedding_size"] = 12; }) })
        {
            using var network = edit is null ? null : Build(variant, seed: 22, j => { Edit(j); edit(j); });
            var subject = network ?? model;
            var (ids, mask, types) = Batch([30], seed: 4, padFill: _ => 0);
            using (ids)
            using (mask)
            using (types)
            using (no_grad())
            using (var logits = subject.forward(ids, mask, types))
            {
                var expected = ReferenceLogits(subject, ids.data<long>().ToArray(), types.data<long>().ToArray());
                var actual = logits.data<float>().ToArray();
                for (int label = 0; label < expected.Length; label++)
                    Assert.True(Math.Abs(actual[label] - expected[label]) <= 1e-4, $"{variant}{extra}, label {label}: {actual[label]} vs equations {expected[label]}");
            }
        }
    }

    // ---- folders: load, score, save, merge, train ---------------------------------------------------------------

    /// <summary>
    /// A DeBERTa-v3-style tokenizer.json (Unigram pieces, Strip + collapse spaces, Metaspace, [CLS] A [SEP] B [SEP]
    /// with type ids 0/1; [PAD] 0, [CLS] 1, [SEP] 2, [UNK] 3, [MASK] after the pieces) and tokenizer_config.json.
    /// </summary>
    internal static void WriteV3StyleTokenizer(string directory)
    {
        var vocab = new JsonArray();
        foreach (var special in new[] { "[PAD]", "[CLS]", "[SEP]", "[UNK]" }) vocab.Add(new JsonArray(special, 0.0));
        vocab.Add(new JsonArray("▁", -2.0));
        foreach (var word in new[] { "the", "what", "is", "bm25", "rank", "document", "query", "a", "of", "s" })
            vocab.Add(new JsonArray("▁" + word, -3.0 - word.Length * 0.1));
        foreach (char c in "abcdefghijklmnopqrstuvwxyz0123456789.,?!'-") vocab.Add(new JsonArray(c.ToString(), -6.0));
        int mask = vocab.Count;
        JsonObject Added(int id, string content) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
        };
        JsonObject Special(string token, int id) => new() { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) };
        JsonObject Piece(string kind, string id, int type) => new() { [kind] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(0, "[PAD]"), Added(1, "[CLS]"), Added(2, "[SEP]"), Added(3, "[UNK]"), Added(mask, "[MASK]")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = " {2,}" }, ["content"] = " " }),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Piece("SpecialToken", "[CLS]", 0), Piece("Sequence", "A", 0), Piece("SpecialToken", "[SEP]", 0)),
                ["pair"] = new JsonArray(Piece("SpecialToken", "[CLS]", 0), Piece("Sequence", "A", 0), Piece("SpecialToken", "[SEP]", 0),
                    Piece("Sequence", "B", 1), Piece("SpecialToken", "[SEP]", 1)),
                ["special_tokens"] = new JsonObject { ["[CLS]"] = Special("[CLS]", 1), ["[SEP]"] = Special("[SEP]", 2) },
            },
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁", ["prepend_scheme"] = "always", ["split"] = true },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = 3, ["vocab"] = vocab, ["byte_fallback"] = false },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
        {
            ["tokenizer_class"] = "DebertaV2Tokenizer", ["pad_token"] = "[PAD]", ["cls_token"] = "[CLS]", ["sep_token"] = "[SEP]",
            ["unk_token"] = "[UNK]", ["mask_token"] = "[MASK]", ["model_max_length"] = 64,
        }.ToJsonString());
    }

    /// <summary>A random v3-style model folder (config.json + model.safetensors + tokenizer) written through our own Save.</summary>
    static string WriteFolder(string root, string name, long seed, string variant = "v3")
    {
        string tokenizerDirectory = Path.Combine(root, "tokenizer-" + name);
        Directory.CreateDirectory(tokenizerDirectory);
        WriteV3StyleTokenizer(tokenizerDirectory);
        manual_seed(seed);
        using var encoder = CrossEncoder.Create(Config(variant), RerankExperiments.Tokenization.Loading.TokenizerLoader.Load(tokenizerDirectory), tokenizerDirectory);
        string folder = Path.Combine(root, name);
        encoder.Save(folder);
        return folder;
    }

    static readonly List<(string Query, string Passage)> Pairs =
    [
        ("what is bm25?", "BM25 ranks the documents of a query."),
        ("rank", "a"),
        ("the query", "the document is   the query's document, s s s"),
        ("", "empty query"),
        ("what is the rank of a document?", ""),
        ("rank", "a"),
    ];

    [Fact]
    public void A_checkpoint_folder_loads_by_its_model_type_scores_and_reloads_identically()
    {
        using var directory = new TemporaryDirectory();
        string folder = WriteFolder(directory.Path, "model", seed: 8);
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("deberta-v2", config["model_type"]!.GetValue<string>());
        Assert.Equal("DebertaV2ForSequenceClassification", config["architectures"]![0]!.GetValue<string>());

        using var encoder = CrossEncoder.Load(folder);
        Assert.IsType<DebertaV2ForSequenceClassification>(encoder.Model);
        Assert.Empty(encoder.NewHeadParameters);
        Assert.Equal(64, encoder.MaxLength);
        var tokens = encoder.Tokenizer.EncodePair("what is bm25?", "the rank");
        Assert.Equal(1, tokens.InputIds[0]);
        Assert.Equal(2, tokens.InputIds[^1]);

        var single = new Reranker(encoder, new RerankerOptions(BatchSize: 1)).Logits(Pairs);
        var batched = new Reranker(encoder, new RerankerOptions(BatchSize: 4)).Logits(Pairs);
        for (int i = 0; i < Pairs.Count; i++)
            Assert.True(Math.Abs(single[i][0] - batched[i][0]) <= 1e-5, $"pair {i}: {single[i][0]} alone vs {batched[i][0]} batched");
        Assert.Equal(single[1][0], single[5][0]);
        Assert.True(single.Select(l => l[0]).Distinct().Count() >= 4, "the scores barely depend on the input");
        var scores = new Reranker(encoder).Score(Pairs);
        Assert.All(scores, s => Assert.InRange(s, 0f, 1f));
        var ranked = new Reranker(encoder).Rank("what is bm25?", Pairs.Select(p => p.Passage).ToList(), topK: 2);
        Assert.Equal(2, ranked.Count);

        string saved = Path.Combine(directory.Path, "saved");
        encoder.Save(saved);
        using var reloaded = CrossEncoder.Load(saved);
        var again = new Reranker(reloaded, new RerankerOptions(BatchSize: 4)).Logits(Pairs);
        for (int i = 0; i < Pairs.Count; i++) Assert.Equal(batched[i][0], again[i][0]);
        using var checkpoint = SafetensorsCheckpoint.Open(saved);
        Assert.True(StateDict.Compare(reloaded.Model, checkpoint).IsExact);
    }

    [Fact]
    public void A_base_checkpoint_gets_a_new_pooler_and_classifier_and_its_pretraining_tensors_are_ignored()
    {
        using var directory = new TemporaryDirectory();
        string folder = WriteFolder(directory.Path, "model", seed: 8);
        string weights = Path.Combine(folder, "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(weights)) tensors = file.ReadAll();
        var kept = tensors.Where(t => !t.Key.StartsWith("pooler.", StringComparison.Ordinal) && !t.Key.StartsWith("classifier.", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value);
        kept["lm_predictions.lm_head.bias"] = zeros(128);
        kept["mask_predictions.classifier.weight"] = zeros(1, 32);
        kept["deberta.embeddings.position_embeddings.weight"] = zeros(64, 32);
        SafetensorsWriter.Write(weights, kept, new Dictionary<string, string> { ["format"] = "pt" });

        using var encoder = CrossEncoder.Load(folder);
        Assert.Equal(["classifier.bias", "classifier.weight", "pooler.dense.bias", "pooler.dense.weight"], encoder.NewHeadParameters.Order(StringComparer.Ordinal));
        Assert.All(new Reranker(encoder).Logits(Pairs), l => Assert.True(float.IsFinite(l[0])));
    }

    [Fact]
    public void Two_checkpoints_merge_tensor_by_tensor_and_the_merge_loads()
    {
        using var directory = new TemporaryDirectory();
        string first = WriteFolder(directory.Path, "first", seed: 1), second = WriteFolder(directory.Path, "second", seed: 2);
        string merged = Path.Combine(directory.Path, "merged");
        new ModelMerger().Merge([first, second], [0.25, 0.75], merged);

        using var a = CrossEncoder.Load(first);
        using var b = CrossEncoder.Load(second);
        using var mix = CrossEncoder.Load(merged);
        Assert.IsType<DebertaV2ForSequenceClassification>(mix.Model);
        const string name = "deberta.encoder.layer.1.attention.self.key_proj.weight";
        Tensor Get(CrossEncoder encoder) => StateDict.Of(encoder.Model).Single(e => e.Key == name).Value;
        using var expected = Get(a) * 0.25 + Get(b) * 0.75;
        Assert.True(expected.allclose(Get(mix), rtol: 1e-6, atol: 1e-7));
        Assert.All(new Reranker(mix).Logits(Pairs), l => Assert.True(float.IsFinite(l[0])));

        // A checkpoint of another variant has other tensors and is refused, naming the first one that differs.
        string other = WriteFolder(directory.Path, "other", seed: 3, variant: "own position projections");
        var error = Assert.Throws<ModelMergeException>(() => new ModelMerger().Merge([first, other], [0.5, 0.5], Path.Combine(directory.Path, "refused")));
        Assert.Contains("pos_key_proj", error.Message);
    }

    [Fact]
    public void A_few_training_steps_lower_the_loss_on_the_tiny_task()
    {
        using var directory = new TemporaryDirectory();
        manual_seed(4);
        var config = Config(edit: j =>
        {
            j["vocab_size"] = 3000;
            j["initializer_range"] = 0.02;
            j["hidden_dropout_prob"] = 0.0;
            j["attention_probs_dropout_prob"] = 0.0;
        });
        // The tiny task's words are single tokens of the fixture BERT's WordPiece vocabulary; the model ignores the
        // token types that tokenizer makes, as v3 does.
        using var model = CrossEncoder.Create(config, TinyRerankTask.Tokenizer, FixtureModels.Directory("bert-tiny"));
        var train = TinyRerankTask.Examples(320, groupSize: 4, seed: 11);
        var options = new TrainingOptions
        {
            OutputDir = directory.Path, MaxSteps = 40, BatchSize = 8, LearningRate = 2e-3, WarmupRatio = 0.1, SaveSteps = 0, LoggingSteps = 10, Seed = 7,
        };
        var result = new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(4), [], options);
        var losses = TrainerResumeTests.Losses(result);
        Assert.Equal(4, losses.Count);
        Assert.True(losses[^1] < losses[0] - 0.1, $"losses {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
        Assert.True(losses[0] > 1.2, $"the first loss {losses[0]:F3} should be near ln 4 = 1.386");
    }
}
