using RerankExperiments.Merging;
using RerankExperiments.Modeling;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Merging;

public sealed class ModelMergerTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    string Model(string name, long seed, double scale = 0.05, ScalarType? dtype = null, string fixture = "bert-tiny", long maxShardBytes = 5_000_000_000) =>
        MergeTestModels.Create(_directory.File(name), FixtureModels.Directory(fixture), seed, scale, dtype, maxShardBytes);

    [Fact]
    public void Merged_fp32_tensors_equal_the_weighted_sum_computed_in_doubles()
    {
        string a = Model("a", 1), b = Model("b", 2), c = Model("c", 3);
        var result = new ModelMerger().Merge([a, b, c], [0.2, 0.3, 0.5], _directory.File("merged"));
        double[] w = [.. result.Weights];
        Assert.Equal([0.2, 0.3, 0.5], w, (x, y) => Math.Abs(x - y) < 1e-15);

        using var merged = SafetensorsFile.Open(Path.Combine(result.OutputDirectory, "model.safetensors"));
        using var first = SafetensorsFile.Open(Path.Combine(a, "model.safetensors"));
        Assert.Equal(first.Names.Order(), merged.Names.Order());
        foreach (string name in first.Names)
        {
            Assert.Equal(ScalarType.Float32, merged.Info(name).DType);
            Assert.Equal(first.Info(name).Shape, merged.Info(name).Shape);
            double[] x = MergeTestModels.Values(a, name), y = MergeTestModels.Values(b, name), z = MergeTestModels.Values(c, name);
            using var actual = merged.Read(name);
            float[] values = actual.data<float>().ToArray();
            for (int k = 0; k < values.Length; k++)
            {
                // ((w0·x) + w1·y) + w2·z in doubles, each step rounded once, then rounded to fp32.
                double sum = w[0] * x[k];
                sum += w[1] * y[k];
                sum += w[2] * z[k];
                Assert.True((float)sum == values[k], $"{name}[{k}]: expected {(float)sum:R}, merged {values[k]:R}");
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Half_precision_tensors_keep_their_dtype(ScalarType dtype)
    {
        string a = Model("a", 1, dtype: dtype), b = Model("b", 2, dtype: dtype);
        var result = new ModelMerger().Merge([a, b], [0.25, 0.75], _directory.File("merged"));
        using var merged = SafetensorsFile.Open(Path.Combine(result.OutputDirectory, "model.safetensors"));
        foreach (string name in merged.Names)
        {
            Assert.Equal(dtype, merged.Info(name).DType);
            double[] x = MergeTestModels.Values(a, name), y = MergeTestModels.Values(b, name);
            var sums = x.Select((v, k) => 0.25 * v + 0.75 * y[k]).ToArray();
            using var scope = NewDisposeScope();
            var expected = tensor(sums).reshape(merged.Info(name).Shape).to(dtype);
            Assert.True(merged.Read(name).equal(expected).all().item<bool>(), name);
        }
        using var encoder = CrossEncoder.Load(result.OutputDirectory);
        Assert.All(new Reranker(encoder).Score(FixtureModels.Pairs()), s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void The_merged_folder_loads_and_a_one_zero_merge_scores_as_the_first_model()
    {
        string a = Model("a", 1), b = Model("b", 2);
        var pairs = FixtureModels.Pairs();
        float[] expected;
        using (var encoder = CrossEncoder.Load(a)) expected = new Reranker(encoder).Score(pairs);

        var result = new ModelMerger().Merge([a, b], [1.0, 0.0], _directory.File("merged"));
        using (var encoder = CrossEncoder.Load(result.OutputDirectory)) Assert.Equal(expected, new Reranker(encoder).Score(pairs));

        foreach (string file in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(result.OutputDirectory, file)));
        string card = File.ReadAllText(Path.Combine(result.OutputDirectory, "README.md"));
        Assert.Contains("LM-Cocktail", card);
        Assert.Contains($"| `{a}` | 1 |", card);
        Assert.Contains($"| `{b}` | 0 |", card);

        // Merging again replaces the folder whole; nothing is left staged beside it.
        new ModelMerger().Merge([a, b], [0.5, 0.5], result.OutputDirectory);
        using (var encoder = CrossEncoder.Load(result.OutputDirectory)) Assert.NotEqual(expected, new Reranker(encoder).Score(pairs));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory.Path, ".merged*"));
    }

    [Fact]
    public void Sharded_inputs_merge_and_the_output_is_sharded_like_the_first_model()
    {
        string sharded = Model("sharded", 1, maxShardBytes: 200_000), plain = Model("plain", 1), other = Model("other", 2);
        var fromSharded = new ModelMerger().Merge([sharded, other], [0.5, 0.5], _directory.File("from-sharded"));
        var fromPlain = new ModelMerger().Merge([plain, other], [0.5, 0.5], _directory.File("from-plain"));

        Assert.False(File.Exists(Path.Combine(fromSharded.OutputDirectory, "model.safetensors")));
        Assert.Contains("model-00001-of-", File.ReadAllText(Path.Combine(sharded, SafetensorsCheckpoint.IndexFileName)));
        using (var template = SafetensorsCheckpoint.Open(sharded))
        using (var output = SafetensorsCheckpoint.Open(fromSharded.OutputDirectory))
        using (var reference = SafetensorsCheckpoint.Open(fromPlain.OutputDirectory))
        {
            Assert.True(output.IsSharded);
            Assert.Equal(template.Shards.Select(s => Path.GetFileName(s.Path)), output.Shards.Select(s => Path.GetFileName(s.Path)));
            foreach (var shard in template.Shards)
                Assert.Equal(shard.Names.Order(), output.Shards.Single(s => Path.GetFileName(s.Path) == Path.GetFileName(shard.Path)).Names.Order());
            foreach (string name in reference.Names)
            {
                using var scope = NewDisposeScope();
                Assert.True(output.Read(name).equal(reference.Read(name)).all().item<bool>(), name);
            }
        }
        using var encoder = CrossEncoder.Load(fromSharded.OutputDirectory);
        Assert.Equal(FixtureModels.Pairs().Count, new Reranker(encoder).Score(FixtureModels.Pairs()).Length);
    }

    [Fact]
    public void Models_of_different_architectures_fail_naming_the_tensor_and_both_models()
    {
        string bert = FixtureModels.Directory("bert-tiny"), xlmr = FixtureModels.Directory("xlmr-tiny");
        string output = _directory.File("merged");
        var error = Assert.Throws<ModelMergeException>(() => new ModelMerger().Merge([bert, xlmr], [0.5, 0.5], output));
        Assert.Equal("bert.embeddings.LayerNorm.bias", error.TensorName);
        Assert.Contains("missing from the other", error.Message);
        Assert.Contains(Path.GetFullPath(bert).TrimEnd('/'), error.Message);
        Assert.Contains(Path.GetFullPath(xlmr).TrimEnd('/'), error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_shape_or_dtype_mismatch_names_the_first_such_tensor()
    {
        string a = Model("a", 1);
        string wide = _directory.File("wide");
        MergeTestModels.Create(wide, a, 0, scale: 0);
        using (var scope = NewDisposeScope())
        {
            using var checkpoint = SafetensorsCheckpoint.Open(a);
            var tensors = checkpoint.Names.Select(n => new KeyValuePair<string, Tensor>(n, n switch
            {
                "classifier.weight" => zeros(2, 48),
                "classifier.bias" => zeros(2),
                _ => checkpoint.Read(n),
            })).ToList();
            SafetensorsWriter.Write(Path.Combine(wide, "model.safetensors"), tensors);
        }
        var error = Assert.Throws<ModelMergeException>(() => new ModelMerger().Merge([a, wide], [0.5, 0.5], _directory.File("merged")));
        Assert.Equal("classifier.bias", error.TensorName);
        Assert.Contains("has shape [1] in the first model but [2] in the other", error.Message);
        Assert.Equal(a, error.FirstModel);
        Assert.Equal(wide, error.OtherModel);

        string half = Model("half", 2, dtype: ScalarType.BFloat16);
        error = Assert.Throws<ModelMergeException>(() => new ModelMerger().Merge([a, half], [0.5, 0.5], _directory.File("merged")));
        Assert.Equal("bert.embeddings.LayerNorm.bias", error.TensorName);
        Assert.Contains("stored as Float32 in the first model but BFloat16", error.Message);
    }

    [Fact]
    public void Integer_buffers_are_kept_when_equal_and_refused_when_not()
    {
        string a = Model("a", 1), b = Model("b", 2), c = Model("c", 3);
        void AddBuffer(string model, long offset)
        {
            using var scope = NewDisposeScope();
            using var checkpoint = SafetensorsCheckpoint.Open(model);
            var tensors = checkpoint.Names.Select(n => new KeyValuePair<string, Tensor>(n, checkpoint.Read(n)))
                .Append(new("bert.embeddings.position_ids", arange(offset, offset + 8, ScalarType.Int64).unsqueeze(0))).ToList();
            checkpoint.Dispose();
            SafetensorsWriter.Write(Path.Combine(model, "model.safetensors"), tensors);
        }
        AddBuffer(a, 0);
        AddBuffer(b, 0);
        AddBuffer(c, 1);
        var result = new ModelMerger().Merge([a, b], [0.5, 0.5], _directory.File("merged"));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (double)i), MergeTestModels.Values(result.OutputDirectory, "bert.embeddings.position_ids"));
        using (var merged = SafetensorsFile.Open(Path.Combine(result.OutputDirectory, "model.safetensors")))
            Assert.Equal(ScalarType.Int64, merged.Info("bert.embeddings.position_ids").DType);

        var error = Assert.Throws<ModelMergeException>(() => new ModelMerger().Merge([a, c], [0.5, 0.5], _directory.File("other")));
        Assert.Equal("bert.embeddings.position_ids", error.TensorName);
        Assert.Contains("values differ", error.Message);
    }

    [Fact]
    public void Weights_are_checked_and_normalized_or_taken_as_given()
    {
        Assert.Contains("1 weight(s) given for 2 model(s)", Assert.Throws<ArgumentException>(() => MergeWeights.Resolve([1.0], 2)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => MergeWeights.Resolve([double.NaN, 1.0], 2)).Message);
        Assert.Contains("sum to 0.9", Assert.Throws<ArgumentException>(() => MergeWeights.Resolve([0.4, 0.5], 2)).Message);
        Assert.Contains("sum to 1.1", Assert.Throws<ArgumentException>(() => MergeWeights.Resolve([0.6, 0.5], 2)).Message);
        Assert.Equal(1.0, MergeWeights.Resolve([0.3333, 0.3333, 0.3334], 3).Sum(), 15);
        Assert.Equal([0.5, 0.5], MergeWeights.Resolve([0.5, 0.5], 2));
        Assert.Equal([1.0, 1.0, -0.5], MergeWeights.Resolve([1.0, 1.0, -0.5], 3, normalize: false));

        string a = Model("a", 1), b = Model("b", 2);
        Assert.Throws<ArgumentException>(() => new ModelMerger().Merge([a, b], [1.0, 1.0], _directory.File("merged")));
        var sum = new ModelMerger().Merge([a, b], [1.0, 1.0], _directory.File("merged"), normalize: false);
        const string name = "classifier.weight";
        double[] x = MergeTestModels.Values(a, name), y = MergeTestModels.Values(b, name);
        Assert.Equal(x.Select((v, k) => (double)(float)(v + y[k])), MergeTestModels.Values(sum.OutputDirectory, name));
    }

    [Fact]
    public void The_output_may_not_replace_an_input_and_a_missing_model_is_named()
    {
        string a = Model("a", 1), b = Model("b", 2);
        Assert.Contains("would replace the input model", Assert.Throws<ArgumentException>(() => new ModelMerger().Merge([a, b], [0.5, 0.5], b)).Message);
        Assert.Throws<ArgumentException>(() => new ModelMerger().Merge([a, b], [0.5, 0.5], _directory.Path));
        string missing = _directory.File("missing");
        Assert.Contains(missing, Assert.Throws<ModelFormatException>(() => new ModelMerger().Merge([a, missing], [0.5, 0.5], _directory.File("merged"))).Message);
    }
}
