using System.Text.Json;
using RerankExperiments.Losses;

namespace RerankExperiments.Tests.Losses;

public sealed class LossFactoryTests
{
    static IReadOnlyDictionary<string, object?> Options(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Every_name_builds_its_loss_with_defaults()
    {
        Assert.IsType<BinaryCrossEntropyLoss>(LossFactory.Create("bce", Options()));
        Assert.IsType<MultipleNegativesRankingLoss>(LossFactory.Create("mnrl", Options()));
        Assert.IsType<CachedMultipleNegativesRankingLoss>(LossFactory.Create("cached-mnrl", Options()));
        Assert.IsType<LambdaLoss>(LossFactory.Create("lambda", Options()));
        Assert.IsType<ListNetLoss>(LossFactory.Create("listnet", Options()));
        Assert.IsType<RankNetLoss>(LossFactory.Create("ranknet", Options()));
        Assert.IsType<MarginMseLoss>(LossFactory.Create("margin-mse", Options()));
        Assert.IsType<KlDistillationLoss>(LossFactory.Create("kl-distill", Options()));
        foreach (var name in LossFactory.Names.Where(n => n != "listwise-ce"))
            Assert.Equal(name, LossFactory.Create(name, Options()).Name);

        var mnrl = (MultipleNegativesRankingLoss)LossFactory.Create("mnrl", Options());
        Assert.Equal((4, 10.0, LossActivation.Sigmoid), (mnrl.NumNegatives!.Value, mnrl.Scale, mnrl.Activation));
        var lambda = (LambdaLoss)LossFactory.Create("lambda", Options());
        Assert.Equal((LambdaWeightingScheme.NdcgLoss2PlusPlus, 10.0, (int?)null, 1.0, 1e-10, false),
            (lambda.WeightingScheme, lambda.Mu, lambda.K, lambda.Sigma, lambda.Eps, lambda.NaturalLog));
    }

    [Fact]
    public void Options_reach_the_loss()
    {
        var ce = (ListwiseCrossEntropyLoss)LossFactory.Create("listwise-ce", Options(("group_size", 8)));
        Assert.Equal(8, ce.GroupSize);
        Assert.Equal(3.5, ((BinaryCrossEntropyLoss)LossFactory.Create("bce", Options(("pos_weight", 3.5)))).PositiveWeight);
        var mnrl = (MultipleNegativesRankingLoss)LossFactory.Create("mnrl", Options(("num_negatives", null), ("scale", "20"), ("activation", "tanh"), ("seed", 3L)));
        Assert.Equal(((int?)null, 20.0, LossActivation.Tanh), (mnrl.NumNegatives, mnrl.Scale, mnrl.Activation));
        var cached = (CachedMultipleNegativesRankingLoss)LossFactory.Create("cached-mnrl", Options(("mini_batch_size", 16), ("num_negatives", 2)));
        Assert.Equal((16, (int?)2), (cached.MiniBatchSize, cached.NumNegatives));
        var lambda = (LambdaLoss)LossFactory.Create("lambda", Options(("weighting_scheme", "lambdarank"), ("k", 10), ("mu", 5.0), ("reduction_log", "natural"), ("sigma", 2)));
        Assert.Equal((LambdaWeightingScheme.LambdaRank, (int?)10, 5.0, true, 2.0), (lambda.WeightingScheme, lambda.K, lambda.Mu, lambda.NaturalLog, lambda.Sigma));
        var ranknet = (RankNetLoss)LossFactory.Create("ranknet", Options(("k", 5)));
        Assert.Equal(5, ranknet.K);
        var kl = (KlDistillationLoss)LossFactory.Create("kl-distill", JsonSerializer.Deserialize<Dictionary<string, object?>>("""{"temperature": 2.5, "ce_weight": "1"}""")!);
        Assert.Equal((2.5, 1.0), (kl.Temperature, kl.CeWeight));
        Assert.Equal(LossActivation.Sigmoid, ((ListNetLoss)LossFactory.Create("listnet", Options(("activation", "Sigmoid")))).Activation);
    }

    [Fact]
    public void Unknown_names_and_options_list_the_valid_ones()
    {
        var name = Assert.Throws<ArgumentException>(() => LossFactory.Create("softmax", Options()));
        foreach (var valid in new[] { "bce", "listwise-ce", "mnrl", "cached-mnrl", "lambda", "listnet", "ranknet", "margin-mse", "kl-distill" })
            Assert.Contains(valid, name.Message);

        var option = Assert.Throws<ArgumentException>(() => LossFactory.Create("mnrl", Options(("temperature", 2.0))));
        Assert.Contains("temperature", option.Message);
        Assert.Contains("num_negatives, scale, activation, seed", option.Message);

        Assert.EndsWith("valid: activation.", Assert.Throws<ArgumentException>(() => LossFactory.Create("listnet", Options(("k", 3)))).Message);
        Assert.Contains("group_size", Assert.Throws<ArgumentException>(() => LossFactory.Create("listwise-ce", Options())).Message);
        Assert.Contains("sigmoid", Assert.Throws<ArgumentException>(() => LossFactory.Create("mnrl", Options(("activation", "relu")))).Message);
        Assert.Contains("ndcg-loss2pp", Assert.Throws<ArgumentException>(() => LossFactory.Create("lambda", Options(("weighting_scheme", "x")))).Message);
        Assert.Contains("integer", Assert.Throws<ArgumentException>(() => LossFactory.Create("ranknet", Options(("k", 2.5)))).Message);
        Assert.Throws<ArgumentException>(() => LossFactory.Create("lambda", Options(("reduction_log", "ten"))));
        Assert.Throws<ArgumentException>(() => LossFactory.Create("bce", Options(("pos_weight", "heavy"))));
    }
}
