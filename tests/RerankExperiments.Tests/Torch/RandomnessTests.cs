using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class RandomnessTests
{
    /// <summary>A dropout MLP trained from seed: initialisation, data and dropout all come from the seed.</summary>
    static List<float> LossCurve(long seed, int steps = 40)
    {
        Seeding.SeedTorch(seed);
        using var model = nn.Sequential(("dense", nn.Linear(8, 32)), ("drop", nn.Dropout(0.3)), ("out", nn.Linear(32, 1)));
        using var optimizer = MixedPrecisionOptimizer.Create(model, PrecisionMode.Float32, new AdamWOptions(LearningRate: 1e-2));
        using var w = randn(8, 1);
        var curve = new List<float>();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = SmallNetworks.Batch(w, 16);
            var loss = nn.functional.mse_loss(model.forward(x), y);
            loss.backward();
            optimizer.Step();
            curve.Add(loss.item<float>());
        }
        return curve;
    }

    [Fact]
    public void The_same_seed_gives_the_same_loss_curve_on_cpu()
    {
        Assert.Equal(LossCurve(1234), LossCurve(1234));
        Assert.NotEqual(LossCurve(1234), LossCurve(4321));
    }

    [Fact]
    public void Captured_rng_state_replays_the_same_draws()
    {
        Seeding.SeedTorch(77);
        var data = new DeterministicRandom(5);
        _ = randn(10);
        data.NextUInt64();
        var state = RngState.Capture(data);

        using var first = randn(100);
        using var dropped = nn.functional.dropout(ones(100), 0.5, training: true);
        var firstIndices = Enumerable.Range(0, 20).Select(_ => data.Next(1000)).ToList();

        var restored = state.Restore();
        using var second = randn(100);
        using var droppedAgain = nn.functional.dropout(ones(100), 0.5, training: true);
        Assert.True(first.eq(second).all().item<bool>());
        Assert.True(dropped.eq(droppedAgain).all().item<bool>());
        Assert.Equal(firstIndices, Enumerable.Range(0, 20).Select(_ => restored.Next(1000)));
    }

    [Fact]
    public void The_data_generator_is_uniform_enough_and_shuffles_into_a_permutation()
    {
        var random = new DeterministicRandom(2024);
        var counts = new int[10];
        for (int i = 0; i < 100_000; i++) counts[random.Next(10)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextDouble()), d => Assert.InRange(d, 0.0, 0.9999999999));

        var items = Enumerable.Range(0, 50).ToList();
        random.Shuffle(items);
        Assert.NotEqual(Enumerable.Range(0, 50), items);
        Assert.Equal(Enumerable.Range(0, 50), items.Order());

        var again = new DeterministicRandom(2024);
        Assert.Equal(new DeterministicRandom(2024).NextUInt64(), again.NextUInt64());
        Assert.Throws<ArgumentException>(() => DeterministicRandom.FromState([0, 0, 0, 0]));
    }

    [Fact]
    public void Derived_step_seeds_are_deterministic_and_distinct()
    {
        var seeds = Enumerable.Range(0, 1000).Select(step => Seeding.DeriveSeed(42, step)).ToList();
        Assert.Equal(seeds, Enumerable.Range(0, 1000).Select(step => Seeding.DeriveSeed(42, step)));
        Assert.Equal(1000, seeds.Distinct().Count());
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.NotEqual(Seeding.DeriveSeed(42, 0), Seeding.DeriveSeed(43, 0));
    }

    [Fact]
    public void Each_lane_is_the_scalar_xoshiro256_starstar_step()
    {
        // Lane j's state is SplitMix64 outputs 4j… of (seed ^ stream·φ) spread over the four words; rebuild lane 0's
        // scalar generator from the same words and compare 100 draws.
        var lanes = new XoshiroLanes(seed: 99, stream: 3);
        ulong state = 99UL ^ unchecked(3UL * 0x9E3779B97F4A7C15UL);
        var words = Enumerable.Range(0, 16).Select(_ => DeterministicRandom.SplitMix64(ref state)).ToArray();
        var scalar = DeterministicRandom.FromState([words[0], words[4], words[8], words[12]]);
        for (int i = 0; i < 100; i++)
        {
            var draw = lanes.NextUniforms();
            ulong expected = scalar.NextUInt64();
            Assert.Equal(expected, (ulong)draw[1] << 32 | draw[0]);
        }
    }
}
