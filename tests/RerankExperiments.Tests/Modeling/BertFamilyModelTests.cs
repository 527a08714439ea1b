using System.Text.Json.Nodes;
using RerankExperiments.Modeling;
using RerankExperiments.Modeling.XlmRoberta;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Modeling;

/// <summary>BERT and XLM-R construction: names, shapes and initialisation as transformers', located config errors, edge inputs.</summary>
public sealed class BertFamilyModelTests
{
    static ModelConfig FixtureConfig(string name) => ModelConfig.Load(Fixtures.Path("hf", name, "config.json"));

    /// <summary>The fixture config with one field replaced (or removed, for null).</summary>
    static ModelConfig Edited(string name, string field, JsonNode? value)
    {
        var json = (JsonObject)FixtureConfig(name).Json.DeepClone();
        if (value is null) json.Remove(field); else json[field] = value;
        return new ModelConfig(json, $"{name}/config.json");
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    public void Random_init_has_the_checkpoint_names_and_shapes(string name)
    {
        using var model = ModelFactory.Create(FixtureConfig(name));
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Path("hf", name));
        var ours = StateDict.Of(model).ToDictionary(e => e.Key, e => e.Value.shape);
        Assert.Equal(checkpoint.Names.OrderBy(n => n, StringComparer.Ordinal), ours.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var tensorName in checkpoint.Names) Assert.Equal(checkpoint.Describe(tensorName).Shape, ours[tensorName]);
        Assert.True(StateDict.Compare(model, checkpoint).IsExact);
    }

    [Theory]
    [InlineData("bert-tiny", "bert.embeddings.word_embeddings.weight", 0, null)]
    [InlineData("xlmr-tiny", "roberta.embeddings.word_embeddings.weight", 1, 1)]
    public void Random_init_follows_transformers(string name, string wordEmbeddings, int padRow, int? positionPadRow)
    {
        manual_seed(7);
        using var model = ModelFactory.Create(FixtureConfig(name));
        var tensors = StateDict.Of(model).ToDictionary(e => e.Key, e => e.Value);
        foreach (var (tensorName, value) in tensors)
        {
            if (tensorName.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) Assert.True(value.eq(1).all().item<bool>(), tensorName);
            else if (tensorName.EndsWith(".bias", StringComparison.Ordinal)) Assert.True(value.eq(0).all().item<bool>(), tensorName);
            else
            {
                // N(0, initializer_range = 0.02): the sample std of thousands of draws is within 10%.
                double std = value.std().item<float>();
                Assert.InRange(std, value.numel() > 1000 ? 0.018 : 0.012, value.numel() > 1000 ? 0.022 : 0.028);
            }
        }
        Assert.True(tensors[wordEmbeddings][padRow].eq(0).all().item<bool>());
        Assert.False(tensors[wordEmbeddings][padRow + 1].eq(0).all().item<bool>());
        if (positionPadRow is int row)
            Assert.True(tensors[wordEmbeddings.Replace("word_", "position_")][row].eq(0).all().item<bool>());
    }

    [Theory]
    [InlineData("bert-tiny", "hidden_size", 50, "not a multiple of num_attention_heads")]
    [InlineData("xlmr-tiny", "num_attention_heads", 5, "not a multiple of num_attention_heads")]
    [InlineData("bert-tiny", "hidden_act", "tanh", "'tanh' is not supported")]
    [InlineData("bert-tiny", "position_embedding_type", "relative_key", "only 'absolute'")]
    [InlineData("bert-tiny", "num_hidden_layers", 0, "not positive")]
    [InlineData("xlmr-tiny", "pad_token_id", 5000, "not a token id")]
    [InlineData("xlmr-tiny", "max_position_embeddings", 2, "leaves no room for positions")]
    [InlineData("bert-tiny", "hidden_dropout_prob", 1.5, "dropout probability")]
    [InlineData("bert-tiny", "vocab_size", "big", "should be an integer")]
    public void Config_errors_name_the_field(string name, string field, object value, string problem)
    {
        var config = Edited(name, field, JsonValue.Create(value));
        var error = Assert.Throws<ModelFormatException>(() => ModelFactory.Create(config));
        Assert.Contains($"'{(field == "num_attention_heads" ? "hidden_size" : field)}'", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains($"{name}/config.json", error.Message);
    }

    [Fact]
    public void Missing_fields_take_the_transformers_defaults()
    {
        // BertConfig's default intermediate_size is 3072, which shows in the shapes.
        using var model = ModelFactory.Create(Edited("bert-tiny", "intermediate_size", null));
        Assert.Equal([3072L, 48], StateDict.Of(model).Single(e => e.Key == "bert.encoder.layer.0.intermediate.dense.weight").Value.shape);
    }

    [Fact]
    public void Xlmr_positions_start_after_the_pad_id_and_skip_padding()
    {
        using var ids = tensor(new long[] { 0, 7, 8, 2, 1, 1, 1, 0, 2, 1 }, [2, 5]);
        using var positions = XlmRobertaModel.PositionIds(ids, padTokenId: 1);
        Assert.Equal(new long[] { 2, 3, 4, 5, 1, 1, 1, 2, 3, 1 }, positions.data<long>().ToArray());
    }

    [Theory]
    [InlineData("bert-tiny", 512, true)]
    [InlineData("xlmr-tiny", 512, false)]
    public void Limits_and_heads_are_declared(string name, int maxLength, bool usesTokenTypes)
    {
        using var model = ModelFactory.Create(FixtureConfig(name));
        Assert.Equal(maxLength, model.MaxSequenceLength);
        Assert.Equal(usesTokenTypes, model.UsesTokenTypeIds);
        Assert.Equal(1, model.NumLabels);
        var heads = StateDict.Of(model).Select(e => e.Key).Where(model.IsHeadParameter).ToList();
        Assert.All(heads, h => Assert.StartsWith("classifier.", h));
        Assert.NotEmpty(heads);
        Assert.True(model.IsIgnorableCheckpointTensor(name == "bert-tiny" ? "bert.embeddings.position_ids" : "roberta.embeddings.position_ids"));
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    public void An_all_padding_row_stays_finite_and_leaves_its_neighbours_alone(string name)
    {
        using var model = BertFamilyReferenceTests.LoadModel(name);
        using var noGrad = no_grad();
        long pad = name == "bert-tiny" ? 0 : 1;
        using var ids = tensor(new long[] { 2, 40, 50, 3, pad, pad, pad, pad, pad, pad }, [2, 5]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 }, [2, 5]);
        using var types = zeros_like(ids);
        using var both = model.forward(ids, mask, types);
        Assert.True(both.isfinite().all().item<bool>());
        using var aloneIds = ids[..1, ..4];
        using var aloneMask = mask[..1, ..4];
        using var aloneTypes = types[..1, ..4];
        using var alone = model.forward(aloneIds, aloneMask, aloneTypes);
        Assert.True(Math.Abs(alone.item<float>() - both[0, 0].item<float>()) < 1e-5);
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    public void Runs_in_bfloat16_close_to_fp32(string name)
    {
        using var model = BertFamilyReferenceTests.LoadModel(name);
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 2, 40, 50, 3, 60, 70, 3 }, [1, 7]);
        using var mask = ones_like(ids);
        using var types = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1 }, [1, 7]);
        float fp32 = model.forward(ids, mask, types).item<float>();
        model.to(ScalarType.BFloat16);
        using var low = model.forward(ids, mask, types);
        Assert.Equal(ScalarType.BFloat16, low.dtype);
        Assert.InRange(low.to(ScalarType.Float32).item<float>(), fp32 - 0.25 - 0.05 * Math.Abs(fp32), fp32 + 0.25 + 0.05 * Math.Abs(fp32));
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    public void Dropout_follows_train_and_eval(string name)
    {
        using var model = ModelFactory.Create(Edited(name, "hidden_dropout_prob", JsonValue.Create(0.5)));
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 2, 40, 50, 3, 60, 70, 3, 2, 9, 10, 11, 3, 12, 3 }, [2, 7]);
        using var mask = ones_like(ids);
        using var types = zeros_like(ids);
        model.eval();
        using var first = model.forward(ids, mask, types);
        using var again = model.forward(ids, mask, types);
        Assert.True(first.eq(again).all().item<bool>());
        model.train();
        using var dropped = model.forward(ids, mask, types);
        Assert.False(first.eq(dropped).all().item<bool>());
    }

    [Theory]
    [InlineData("bert-tiny", true)]
    [InlineData("xlmr-tiny", false)]
    public void Token_types_matter_only_where_declared(string name, bool matter)
    {
        using var model = BertFamilyReferenceTests.LoadModel(name);
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 2, 40, 50, 3, 60, 70, 3 }, [1, 7]);
        using var mask = ones_like(ids);
        using var zero = zeros_like(ids);
        using var pair = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1 }, [1, 7]);
        float withZeros = model.forward(ids, mask, zero).item<float>(), withTypes = model.forward(ids, mask, pair).item<float>();
        Assert.Equal(matter, Math.Abs(withZeros - withTypes) > 1e-3);
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    public void Forward_outside_a_dispose_scope_leaves_only_its_result(string name)
    {
        using var model = ModelFactory.Create(FixtureConfig(name));
        model.eval();
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 2, 40, 50, 3, 60, 70, 3, 2, 9, 10, 3, 0, 0, 0 }, [2, 7]);
        using var mask = ids.ne(0).to(ScalarType.Int64);
        using var types = zeros_like(ids);
        model.forward(ids, mask, types).Dispose(); // warm-up: lazily created wrappers are not the forward's
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var logits = model.forward(ids, mask, types))
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Wrong_input_shapes_are_exceptions_not_crashes()
    {
        using var model = ModelFactory.Create(FixtureConfig("bert-tiny"));
        using var ids = zeros(2, 5, dtype: ScalarType.Int64);
        using var shortMask = ones(2, 4, dtype: ScalarType.Int64);
        Assert.Contains("attention_mask", Assert.Throws<ArgumentException>(() => model.forward(ids, shortMask, ids)).Message);
        using var tooLong = zeros(1, 513, dtype: ScalarType.Int64);
        Assert.Contains("exceeds", Assert.Throws<ArgumentException>(() => model.forward(tooLong, tooLong, tooLong)).Message);
    }
}
