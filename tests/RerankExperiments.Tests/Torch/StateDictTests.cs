using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.StateDicts;
using RerankExperiments.Torch.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class StateDictTests
{
    /// <summary>A module whose names mirror a Hugging Face layer: encoder.layer.0.attention.self.query.weight, ...</summary>
    sealed class Encoder : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> layer;
        readonly TorchSharp.Modules.LayerNorm LayerNorm;

        public Encoder(int hidden, int layers) : base("Encoder")
        {
            layer = nn.Sequential(Enumerable.Range(0, layers).Select(i => (i.ToString(), (nn.Module<Tensor, Tensor>)nn.Linear(hidden, hidden))).ToArray());
            LayerNorm = nn.LayerNorm(hidden);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => LayerNorm.forward(layer.forward(input));
    }

    [Fact]
    public void Names_are_the_dotted_submodule_paths()
    {
        using var module = new Encoder(4, 2);
        Assert.Equal(["layer.0.weight", "layer.0.bias", "layer.1.weight", "layer.1.bias", "LayerNorm.weight", "LayerNorm.bias"],
            StateDict.Of(module).Select(e => e.Key));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Strict_load_names_every_missing_unexpected_and_misshaped_tensor_and_copies_nothing()
    {
        using var module = new Encoder(4, 2);
        using var before = module.state_dict()["layer.0.weight"].clone();
        var source = new TensorDictionarySource(new Dictionary<string, Tensor>
        {
            ["layer.0.weight"] = randn(4, 4),
            ["layer.0.bias"] = randn(4),
            ["layer.1.weight"] = randn(4, 5),      // wrong shape
            ["LayerNorm.weight"] = randn(4),
            ["LayerNorm.gamma"] = randn(4),        // unexpected
            ["pooler.dense.weight"] = randn(4, 4), // unexpected
        }, "fake-checkpoint");                     // layer.1.bias and LayerNorm.bias missing

        var error = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(module, source));
        Assert.Equal(["layer.1.bias", "LayerNorm.bias"], error.Report.Missing);
        Assert.Equal(["LayerNorm.gamma", "pooler.dense.weight"], error.Report.Unexpected);
        Assert.Equal("layer.1.weight", Assert.Single(error.Report.Mismatched).Name);
        Assert.Contains("fake-checkpoint", error.Message);
        Assert.Contains("layer.1.bias", error.Message);
        Assert.Contains("LayerNorm.gamma", error.Message);
        Assert.Contains("layer.1.weight: module has [4, 4], source has [4, 5]", error.Message);
        Assert.True(module.state_dict()["layer.0.weight"].eq(before).all().item<bool>());
    }

    [Fact]
    public void Non_strict_load_copies_what_matches_and_reports_the_rest()
    {
        using var module = new Encoder(4, 1);
        using var weight = randn(4, 4);
        var source = new TensorDictionarySource(new Dictionary<string, Tensor> { ["layer.0.weight"] = weight, ["extra"] = randn(2) });
        var report = StateDict.Load(module, source, strict: false);
        Assert.Equal(["layer.0.weight"], report.Loaded);
        Assert.Equal(["layer.0.bias", "LayerNorm.weight", "LayerNorm.bias"], report.Missing);
        Assert.Equal(["extra"], report.Unexpected);
        Assert.True(module.state_dict()["layer.0.weight"].eq(weight).all().item<bool>());

        var misshaped = new TensorDictionarySource(new Dictionary<string, Tensor> { ["layer.0.weight"] = randn(3, 3) });
        Assert.Throws<StateDictMismatchException>(() => StateDict.Load(module, misshaped, strict: false));
        Assert.Single(StateDict.Load(module, misshaped, strict: false, ignoreMismatchedShapes: true).Mismatched);
    }

    [Fact]
    public void Loading_converts_each_tensor_to_the_module_dtype()
    {
        using var directory = new TemporaryDirectory();
        using var trained = new Encoder(8, 2);
        trained.to(ScalarType.BFloat16);
        StateDict.Save(trained, directory.Path);

        using var fresh = new Encoder(8, 2);
        using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path))
        {
            Assert.All(checkpoint.Names, n => Assert.Equal(ScalarType.BFloat16, checkpoint.Describe(n).DType));
            Assert.True(StateDict.Load(fresh, checkpoint).IsExact);
        }
        foreach (var (name, tensor) in fresh.state_dict())
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            Assert.True(tensor.eq(trained.state_dict()[name].to(ScalarType.Float32)).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Saved_models_carry_the_metadata_transformers_expects_and_reload_exactly()
    {
        using var directory = new TemporaryDirectory();
        using var model = new Encoder(6, 3);
        StateDict.Save(model, directory.Path);
        using var file = SafetensorsFile.Open(directory.File("model.safetensors"));
        Assert.Equal("pt", file.Metadata["format"]);

        using var copy = new Encoder(6, 3);
        StateDict.Load(copy, file);
        using var input = randn(2, 6);
        Assert.True(model.forward(input).eq(copy.forward(input)).all().item<bool>());
    }
}
