using RerankExperiments.Torch.Layers;
using RerankExperiments.Torch.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class TokenEmbeddingLookupTests
{
    [Fact]
    public void In_cpu_training_the_gradient_equals_the_dense_one_and_lands_in_the_bound_flat_buffer()
    {
        manual_seed(7);
        using var embedding = nn.Embedding(50, 6, padding_idx: 0);
        using var reference = nn.Embedding(50, 6, padding_idx: 0);
        using (no_grad())
        {
            // Checkpoints converted from TensorFlow carry a non-zero padding row: the lookup must not reset it.
            using var paddingRow = embedding.weight![0];
            paddingRow.fill_(0.5f);
            reference.weight!.copy_(embedding.weight!);
        }
        using var flat = FlatParameters.Bind([("word_embeddings.weight", embedding.weight!)], WeightDecayRule.HuggingFaceDefault);
        using var before = embedding.weight!.detach().clone();
        // Repeated ids accumulate; id 0 is padding and gets no gradient.
        using var ids = tensor(new long[] { 3, 7, 3, 0, 49, 7, 7, 0 }).view(2, 4);
        using var upstream = randn(2, 4, 6);

        // The lookup draws nothing from torch's generator (a module made per call would initialise a weight first).
        manual_seed(70);
        using var output = TokenEmbeddingLookup.Forward(embedding, ids, paddingIdx: 0, training: true);
        using var drawnAfter = rand(4);
        manual_seed(70);
        using var drawnAlone = rand(4);
        Assert.True(drawnAfter.eq(drawnAlone).all().item<bool>());
        using var referenceOutput = reference.forward(ids);
        Assert.True(output.eq(referenceOutput).all().item<bool>());
        Assert.True(embedding.weight!.eq(before).all().item<bool>()); // the lookup did not touch the weight
        (output * upstream).sum().backward();
        (referenceOutput * upstream).sum().backward();

        var grad = embedding.weight!.grad!;
        Assert.False(grad.is_sparse);
        Assert.True(flat.GradientsAreBound());
        Assert.True((flat.Grad.view(50, 6) - reference.weight!.grad!).abs().max().item<float>() < 1e-6);
        Assert.Equal(0f, flat.Grad.view(50, 6)[0].abs().sum().item<float>());
        Assert.True(flat.Grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void In_evaluation_or_without_a_bound_gradient_it_is_the_modules_own_dense_lookup()
    {
        manual_seed(8);
        using var embedding = nn.Embedding(20, 4, padding_idx: 0);
        using var ids = tensor(new long[] { 1, 2, 2, 0 });
        // No gradient exists yet: a sparse one would be stored as the gradient itself, so the dense path runs.
        TokenEmbeddingLookup.Forward(embedding, ids, 0, training: true).sum().backward();
        Assert.False(embedding.weight!.grad!.is_sparse);
        Assert.Equal(2f, embedding.weight!.grad![2][0].item<float>());
        using var evaluated = TokenEmbeddingLookup.Forward(embedding, ids, 0, training: false);
        Assert.True(evaluated.eq(embedding.forward(ids)).all().item<bool>());
    }
}
