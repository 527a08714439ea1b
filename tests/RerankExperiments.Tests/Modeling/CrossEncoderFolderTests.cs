using System.Text.Json.Nodes;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Modeling;

/// <summary>Saving, reloading, and every broken folder the issue names, each with an error naming file and field or tensor.</summary>
public sealed class CrossEncoderFolderTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>A copy of a fixture model folder to break.</summary>
    string Copy(string model = "bert-tiny")
    {
        string target = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(FixtureModels.Directory(model))) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        edit(json);
        File.WriteAllText(Path.Combine(folder, "config.json"), json.ToJsonString());
    }

    static void RewriteWeights(string folder, Func<string, bool> keep, Func<string, Tensor, Tensor>? change = null)
    {
        string path = Path.Combine(folder, "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.ReadAll();
        var kept = tensors.Where(t => keep(t.Key)).ToDictionary(t => t.Key, t => change?.Invoke(t.Key, t.Value) ?? t.Value);
        SafetensorsWriter.Write(path, kept, new Dictionary<string, string> { ["format"] = "pt" });
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("xlmr-tiny")]
    [InlineData("modernbert-mean-tiny")]
    public void A_saved_model_reloads_bit_exact_and_scores_the_same(string model)
    {
        using var original = CrossEncoder.Load(FixtureModels.Directory(model));
        string saved = Path.Combine(_directory.Path, "saved");
        original.Save(saved, new ModelCard(BaseModel: "fixture/" + model, Loss: "bce", Metrics: new Dictionary<string, double> { ["ndcg@10"] = 0.5 }));

        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md" })
            Assert.True(File.Exists(Path.Combine(saved, file)), file);
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "config.json")))!;
        Assert.Equal(original.Model.GetType().Name, config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("torch.nn.modules.activation.Sigmoid", config["sentence_transformers"]!["activation_fn"]!.GetValue<string>());
        Assert.Single((JsonObject)config["id2label"]!);
        Assert.Contains("base_model: fixture/" + model, File.ReadAllText(Path.Combine(saved, "README.md")));

        using var reloaded = CrossEncoder.Load(saved);
        var before = original.Model.state_dict();
        foreach (var (name, tensor) in reloaded.Model.state_dict())
            Assert.True(tensor.eq(before[name]).all().item<bool>(), name);
        var pairs = FixtureModels.Pairs().Take(8).ToList();
        Assert.Equal(new Reranker(original).Score(pairs), new Reranker(reloaded).Score(pairs));
        Assert.Empty(Directory.GetDirectories(_directory.Path, "*.partial"));
    }

    [Fact]
    public void Bf16_loading_converts_the_weights_and_stays_close_to_fp32()
    {
        using var fp32 = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        using var bf16 = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"), ScalarType.BFloat16);
        Assert.All(bf16.Model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        var pairs = FixtureModels.Pairs().Take(10).ToList();
        var a = new Reranker(fp32).Score(pairs);
        var b = new Reranker(bf16).Score(pairs);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 0.08, $"pair {i}: fp32 {a[i]} bf16 {b[i]}");
    }

    [Fact]
    public void Sharded_and_half_precision_checkpoints_load_into_the_requested_dtype()
    {
        using var original = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        string sharded = Copy();
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(Path.Combine(sharded, "model.safetensors"))) tensors = file.ReadAll();
        File.Delete(Path.Combine(sharded, "model.safetensors"));
        SafetensorsCheckpoint.Save(sharded, tensors.ToList(), maxShardBytes: 100_000);
        Assert.True(File.Exists(Path.Combine(sharded, SafetensorsCheckpoint.IndexFileName)));
        using (var fromShards = CrossEncoder.Load(sharded))
            foreach (var (name, tensor) in fromShards.Model.state_dict())
                Assert.True(tensor.eq(original.Model.state_dict()[name]).all().item<bool>(), name);

        string half = Copy();
        SafetensorsWriter.Write(Path.Combine(half, "model.safetensors"), tensors.ToDictionary(t => t.Key, t => t.Value.to(ScalarType.Float16)));
        using var fromHalf = CrossEncoder.Load(half);
        foreach (var (name, tensor) in fromHalf.Model.state_dict())
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            Assert.True(tensor.eq(tensors[name].to(ScalarType.Float16).to(ScalarType.Float32)).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_random_model_from_fields_saves_a_folder_that_loads()
    {
        var config = ModelConfig.FromFields("bert", new Dictionary<string, object>
        {
            ["vocab_size"] = 3000, ["hidden_size"] = 32, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["intermediate_size"] = 64,
            ["max_position_embeddings"] = 128, ["type_vocab_size"] = 2, ["hidden_act"] = "gelu", ["layer_norm_eps"] = 1e-12, ["pad_token_id"] = 0,
            ["initializer_range"] = 0.02,
        });
        var tokenizer = RerankExperiments.Tokenization.Loading.TokenizerLoader.Load(FixtureModels.Directory("bert-tiny"));
        using var model = CrossEncoder.Create(config, tokenizer, FixtureModels.Directory("bert-tiny"));
        string saved = Path.Combine(_directory.Path, "scratch");
        model.Save(saved);
        using var reloaded = CrossEncoder.Load(saved);
        var pairs = FixtureModels.Pairs().Take(4).ToList();
        Assert.Equal(new Reranker(model).Score(pairs), new Reranker(reloaded).Score(pairs));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Missing_config_fields_are_named_or_show_up_as_the_tensors_they_misshape()
    {
        string folder = Copy();
        EditConfig(folder, json => json.Remove("model_type"));
        var error = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(folder));
        Assert.Contains("config.json", error.Message);
        Assert.Contains("model_type", error.Message);

        // Like transformers, a missing size takes the architecture's default (hidden_size 768), so the weights no
        // longer fit: the error names the weights file and the tensors.
        string sized = Copy();
        EditConfig(sized, json => json.Remove("hidden_size"));
        var shapes = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(sized));
        Assert.Contains("model.safetensors", shapes.Message);
        Assert.Contains("bert.embeddings.word_embeddings.weight: module has [3000, 768], source has [3000, 48]", shapes.Message);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void An_unknown_model_type_is_named_with_the_supported_ones()
    {
        string folder = Copy();
        EditConfig(folder, json => json["model_type"] = "gpt2");
        var error = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(folder));
        Assert.Contains("'gpt2'", error.Message);
        Assert.Contains("modernbert", error.Message);
        Assert.Contains("config.json", error.Message);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Missing_and_misshaped_tensors_are_named_with_the_file()
    {
        string missing = Copy();
        RewriteWeights(missing, name => name != "bert.encoder.layer.1.attention.self.key.weight");
        var error = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(missing));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("bert.encoder.layer.1.attention.self.key.weight", error.Message);

        string misshaped = Copy();
        RewriteWeights(misshaped, _ => true, (name, t) => name == "bert.pooler.dense.bias" ? zeros(7) : t);
        var shapeError = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(misshaped));
        Assert.Contains("bert.pooler.dense.bias", shapeError.Message);
        Assert.Contains("[7]", shapeError.Message);

        string unexpected = Copy();
        Dictionary<string, Tensor> all;
        using (var file = SafetensorsFile.Open(Path.Combine(unexpected, "model.safetensors"))) all = file.ReadAll();
        all["bert.encoder.layer.9.output.dense.weight"] = zeros(2, 2);
        SafetensorsWriter.Write(Path.Combine(unexpected, "model.safetensors"), all);
        Assert.Contains("bert.encoder.layer.9.output.dense.weight", Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(unexpected)).Message);
    }

    [Fact]
    public void A_base_checkpoint_loads_with_a_new_head_and_a_bare_encoder_gets_its_prefix()
    {
        string baseModel = Copy();
        RewriteWeights(baseModel, name => !name.StartsWith("classifier.", StringComparison.Ordinal));
        using (var encoder = CrossEncoder.Load(baseModel))
            Assert.Equal(["classifier.weight", "classifier.bias"], encoder.NewHeadParameters.Order().Reverse());

        string bare = Copy();
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(Path.Combine(bare, "model.safetensors"))) tensors = file.ReadAll();
        SafetensorsWriter.Write(Path.Combine(bare, "model.safetensors"),
            tensors.Where(t => t.Key.StartsWith("bert.", StringComparison.Ordinal)).ToDictionary(t => t.Key["bert.".Length..], t => t.Value));
        using var fromBare = CrossEncoder.Load(bare);
        using var original = CrossEncoder.Load(FixtureModels.Directory("bert-tiny"));
        Assert.True(fromBare.Model.state_dict()["bert.embeddings.word_embeddings.weight"].eq(original.Model.state_dict()["bert.embeddings.word_embeddings.weight"]).all().item<bool>());
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_pickle_only_folder_says_how_to_convert_it()
    {
        string folder = Copy();
        File.Move(Path.Combine(folder, "model.safetensors"), Path.Combine(folder, "pytorch_model.bin"));
        var error = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(folder));
        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("safe_serialization=True", error.Message);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void A_folder_without_weights_or_with_corrupt_weights_names_the_file()
    {
        string empty = Copy();
        File.Delete(Path.Combine(empty, "model.safetensors"));
        var missing = Assert.Throws<ModelFormatException>(() => CrossEncoder.Load(empty));
        Assert.Contains(empty, missing.Message);
        Assert.Contains("holds no model.safetensors", missing.Message);

        string corrupt = Copy();
        string weights = Path.Combine(corrupt, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<SafetensorsException>(() => CrossEncoder.Load(corrupt));
        Assert.Equal(weights, truncated.FilePath);
        Assert.Contains("truncated", truncated.Message);
    }
}
