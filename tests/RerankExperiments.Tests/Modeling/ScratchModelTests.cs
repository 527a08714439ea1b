using RerankExperiments.Modeling;
using RerankExperiments.Modeling.Scratch;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Modeling;

/// <summary>A model from scratch: a trained WordPiece tokenizer and a seeded BERT, saved as a folder the loaders open.</summary>
public sealed class ScratchModelTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    static readonly string[] Texts =
    [
        "Tools for manipulating MSDOS files", "Mtools is a collection of utilities to access MS-DOS disks from Unix without mounting them.",
        "Tool to generate CVS patch set information", "CVSps is a program for generating patch set information from a CVS repository.",
        "Real-time strategy game of ancient warfare", "0 A.D. is a free, open-source, cross-platform real-time strategy game of ancient warfare.",
    ];

    static readonly ScratchModelOptions Tiny = new(HiddenSize: 32, NumHiddenLayers: 1, NumAttentionHeads: 2, IntermediateSize: 64, MaxPositionEmbeddings: 64,
        VocabularySize: 120, MinFrequency: 1, Seed: 7);

    [Fact]
    public void Builds_a_folder_with_its_own_tokenizer_that_loads_as_a_cross_encoder()
    {
        string folder = ScratchModel.Build(Tiny, Texts, _directory.File("initial"));
        using var model = CrossEncoder.Load(folder);
        Assert.Empty(model.NewHeadParameters);
        Assert.Equal(32, model.Config.Int("hidden_size"));
        Assert.Equal(model.Tokenizer.VocabularySize, model.Config.Int("vocab_size"));
        Assert.True(model.Tokenizer.VocabularySize <= 120);
        Assert.Equal(model.Tokenizer.TokenToId("[PAD]"), model.Config.Int("pad_token_id"));
        // The tokenizer was trained on these texts: a word they repeat is one token, lowercased, between [CLS] and [SEP].
        var encoded = model.Tokenizer.Encode("Patch set");
        Assert.Equal(["[CLS]", "patch", "set", "[SEP]"], encoded.InputIds.Select(id => model.Tokenizer.IdToToken(id)));
    }

    [Fact]
    public void Building_is_deterministic_and_a_complete_folder_is_reused()
    {
        string a = ScratchModel.Build(Tiny, Texts, _directory.File("a"));
        string b = ScratchModel.Build(Tiny, Texts, _directory.File("b"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(a, "tokenizer.json")), File.ReadAllText(Path.Combine(b, "tokenizer.json")));

        var written = File.GetLastWriteTimeUtc(Path.Combine(a, "model.safetensors"));
        Assert.True(ScratchModel.IsComplete(a));
        ScratchModel.Build(Tiny with { Seed = 8 }, Texts, a);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(a, "model.safetensors")));

        string other = ScratchModel.Build(Tiny with { Seed = 8 }, Texts, _directory.File("c"));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(other, "model.safetensors")));
    }

    [Fact]
    public void Shapes_that_do_not_fit_are_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ScratchModel.Build(Tiny with { NumAttentionHeads = 3 }, Texts, _directory.File("x")));
        Assert.Equal("NumAttentionHeads", error.ParamName);
        Assert.Throws<ArgumentException>(() => ScratchModel.Build(Tiny, [], _directory.File("y")));
        Assert.False(Directory.Exists(_directory.File("y")));
    }
}
