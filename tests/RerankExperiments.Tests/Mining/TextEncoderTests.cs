using RerankExperiments.Mining;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Mining;

public sealed class TextEncoderTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static float[][] Rows(Tensor embeddings)
    {
        using (embeddings)
        {
            var flat = embeddings.data<float>().ToArray();
            int d = (int)embeddings.shape[1];
            return [.. Enumerable.Range(0, (int)embeddings.shape[0]).Select(i => flat.AsSpan(i * d, d).ToArray())];
        }
    }

    [Fact]
    public void Static_embedding_is_the_mean_of_the_token_rows_without_special_tokens()
    {
        string folder = StaticEmbeddingFixture.Write(_directory.Path);
        using var encoder = TextEncoders.Load(folder, new TextEncoderOptions(Normalize: false));
        Assert.IsType<StaticEmbeddingEncoder>(encoder);
        Assert.Equal(4, encoder.Dimension);
        // "red" = id 1029, "the" = id 323 (bert-tiny's vocabulary); W[i, j] = (i·(j+1)) mod 7 − 3:
        //   W[1029] = (1029, 2058, 3087, 4116) mod 7 − 3 = (0, 0, 0, 0) − 3 = (−3, −3, −3, −3)
        //   W[323]  = (323, 646, 969, 1292) mod 7 − 3 = (1, 2, 3, 4) − 3 = (−2, −1, 0, 1)
        // mean("red the") = (−2.5, −2, −1.5, −1); with [CLS] (2) and [SEP] (3) it would differ.
        var rows = Rows(encoder.Encode(["red the", "red", "", "the red"]));
        Assert.Equal([-2.5f, -2f, -1.5f, -1f], rows[0]);
        Assert.Equal([-3f, -3f, -3f, -3f], rows[1]);
        Assert.Equal([0f, 0f, 0f, 0f], rows[2]);      // no tokens: EmbeddingBag's mean of nothing
        Assert.Equal(rows[0], rows[3]);                // a bag: order does not matter
    }

    [Fact]
    public void Static_embedding_matches_the_definition_for_any_text_and_batch_size()
    {
        string folder = StaticEmbeddingFixture.Write(_directory.Path);
        var texts = FixtureModels.Pairs().SelectMany(p => new[] { p.Query, p.Passage }).Take(40).ToList();
        using var encoder = StaticEmbeddingEncoder.Load(Path.Combine(folder, "0_StaticEmbedding"), new TextEncoderOptions(BatchSize: 7, Normalize: false));
        var rows = Rows(encoder.Encode(texts));
        for (int t = 0; t < texts.Count; t++)
        {
            var ids = encoder.Tokenizer.Encode(texts[t], addSpecialTokens: false).InputIds;
            for (int j = 0; j < 4; j++)
                Assert.Equal(ids.Length == 0 ? 0 : ids.Average(id => (double)StaticEmbeddingFixture.Weight(id, j)), rows[t][j], 5);
        }
    }

    [Fact]
    public void Truncation_comes_before_normalisation()
    {
        string folder = StaticEmbeddingFixture.Write(_directory.Path);
        using var encoder = TextEncoders.Load(folder, new TextEncoderOptions(TruncateDim: 2));
        Assert.True(encoder.Normalizes);
        var row = Rows(encoder.Encode(["red the"]))[0];
        // (−2.5, −2) / ‖(−2.5, −2)‖ = (−2.5, −2) / √10.25
        Assert.Equal(2, row.Length);
        Assert.Equal(-2.5 / Math.Sqrt(10.25), row[0], 6);
        Assert.Equal(-2 / Math.Sqrt(10.25), row[1], 6);
    }

    /// <summary>bert-tiny as a sentence-transformers folder: the model at the root, a Pooling module, maybe Normalize.</summary>
    string BertTinyBiEncoder(string pooling, bool normalize)
    {
        string folder = Path.Combine(_directory.Path, $"bert-{pooling}-{normalize}");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        foreach (var file in Directory.GetFiles(FixtureModels.Directory("bert-tiny"))) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        string modules = """[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}""";
        if (normalize) modules += """, {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}""";
        File.WriteAllText(Path.Combine(folder, "modules.json"), modules + "]");
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"),
            $$"""{"word_embedding_dimension": 48, "pooling_mode_cls_token": {{(pooling == "cls" ? "true" : "false")}}, "pooling_mode_mean_tokens": {{(pooling == "mean" ? "true" : "false")}}, "pooling_mode_max_tokens": false}""");
        return folder;
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("cls")]
    public void Transformer_pooling_equals_a_direct_computation_from_the_hidden_states(string pooling)
    {
        var texts = FixtureModels.Pairs().Select(p => p.Passage).Take(9).ToList();
        using var encoder = (TransformerTextEncoder)TextEncoders.Load(BertTinyBiEncoder(pooling, normalize: false), new TextEncoderOptions(BatchSize: 4, Normalize: false));
        Assert.Equal(pooling == "cls" ? PoolingMode.Cls : PoolingMode.Mean, encoder.Pooling);
        Assert.False(encoder.Normalizes);
        var rows = Rows(encoder.Encode(texts));
        // Each text alone (no padding): hidden states h [1, S, 48], then the pooling written out over plain arrays.
        using var backbone = TransformerBackbone.Load(FixtureModels.Directory("bert-tiny"));
        using var noGrad = no_grad();
        for (int t = 0; t < texts.Count; t++)
        {
            var ids = backbone.Tokenizer.Encode(texts[t], new RerankExperiments.Tokenization.TruncationOptions(encoder.MaxLength)).InputIds.Select(i => (long)i).ToArray();
            using var idTensor = tensor(ids, [1, ids.Length]);
            using var mask = ones_like(idTensor);
            using var types = zeros_like(idTensor);
            using var hidden = backbone.HiddenStates(idTensor, mask, types);
            var h = hidden.data<float>().ToArray();
            for (int j = 0; j < 48; j++)
            {
                double expected = pooling == "cls" ? h[j] : Enumerable.Range(0, ids.Length).Average(s => (double)h[s * 48 + j]);
                Assert.Equal(expected, rows[t][j], 1e-5);
            }
        }
    }

    [Fact]
    public void A_normalize_module_gives_unit_rows()
    {
        using var encoder = TextEncoders.Load(BertTinyBiEncoder("mean", normalize: true), new TextEncoderOptions(Normalize: false));
        Assert.True(encoder.Normalizes);
        foreach (var row in Rows(encoder.Encode(["red car", "the blue sea is deep"])))
            Assert.Equal(1.0, Math.Sqrt(row.Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void A_bare_encoder_checkpoint_without_pooler_or_head_embeds_the_same()
    {
        // sentence-transformers saves BertModel's tensors without the "bert." prefix, and some models lack the pooler.
        string bare = BertTinyBiEncoder("mean", normalize: false);
        string weights = Path.Combine(bare, "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var file = RerankExperiments.Torch.Safetensors.SafetensorsFile.Open(weights)) tensors = file.ReadAll();
        var kept = tensors.Where(t => t.Key.StartsWith("bert.", StringComparison.Ordinal) && !t.Key.StartsWith("bert.pooler.", StringComparison.Ordinal))
            .Select(t => new KeyValuePair<string, Tensor>(t.Key["bert.".Length..], t.Value)).ToList();
        RerankExperiments.Torch.Safetensors.SafetensorsWriter.Write(weights, kept);
        foreach (var tensor in tensors.Values) tensor.Dispose();

        string[] texts = ["red car", "the blue sea is deep"];
        using var fromBare = TextEncoders.Load(bare);
        using var fromFull = TextEncoders.Load(FixtureModels.Directory("bert-tiny"));
        var expected = Rows(fromFull.Encode(texts));
        var actual = Rows(fromBare.Encode(texts));
        for (int i = 0; i < texts.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public void Unsupported_pooling_fails_naming_the_file()
    {
        string folder = BertTinyBiEncoder("mean", normalize: false);
        string config = Path.Combine(folder, "1_Pooling", "config.json");
        File.WriteAllText(config, """{"pooling_mode_max_tokens": true}""");
        var error = Assert.Throws<ModelFormatException>(() => SentenceTransformerLayout.Read(folder));
        Assert.Contains(config, error.Message);
        Assert.Contains("pooling_mode_max_tokens", error.Message);
    }
}
