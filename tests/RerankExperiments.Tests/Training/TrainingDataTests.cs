using RerankExperiments.Data;
using RerankExperiments.Losses;
using RerankExperiments.Tests.Support;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Training;

namespace RerankExperiments.Tests.Training;

public sealed class TrainingDataTests
{
    static int[] Lengths(int count)
    {
        var random = new DeterministicRandom(3);
        return Enumerable.Range(0, count).Select(_ => 1 + random.Next(50)).ToArray();
    }

    [Fact]
    public void Epochs_are_seeded_permutations_covering_every_example_once()
    {
        var order = new DataOrder(37, batchSize: 5, groupingLengths: null, dropLast: false, seed: 1);
        Assert.Equal(8, order.BatchesPerEpoch);
        var epoch0 = order.Epoch(0);
        Assert.Equal(Enumerable.Range(0, 37), epoch0.SelectMany(b => b).Order());
        Assert.Equal(2, epoch0[^1].Length);
        Assert.Equal(epoch0, new DataOrder(37, 5, null, false, seed: 1).Epoch(0));
        Assert.NotEqual(epoch0.SelectMany(b => b), order.Epoch(1).SelectMany(b => b));
        Assert.NotEqual(epoch0.SelectMany(b => b), new DataOrder(37, 5, null, false, seed: 2).Epoch(0).SelectMany(b => b));
        Assert.Equal(7, new DataOrder(37, 5, null, dropLast: true, seed: 1).Epoch(0).Count);
    }

    [Fact]
    public void Length_grouping_sorts_each_mega_batch_longest_first_with_the_longest_example_in_the_first_batch()
    {
        var lengths = Lengths(600);
        var order = new DataOrder(600, batchSize: 4, lengths, dropLast: false, seed: 1);
        var flat = order.Epoch(0).SelectMany(b => b).ToArray();
        Assert.Equal(Enumerable.Range(0, 600), flat.Order());
        Assert.Equal(lengths.Max(), lengths[flat[0]]);
        // Within each mega-batch of 50 × 4 (but for the swapped-in first element) lengths never increase.
        foreach (var chunk in flat.Chunk(200))
            for (int i = 2; i < chunk.Length; i++)
                Assert.True(lengths[chunk[i]] <= lengths[chunk[i - 1]]);
        Assert.Equal(flat, new DataOrder(600, 4, lengths, false, seed: 1).Epoch(0).SelectMany(b => b));
        Assert.Throws<ArgumentException>(() => new DataOrder(601, 4, lengths, false, seed: 1));
    }

    [Fact]
    public void Grouping_lengths_are_the_token_count_of_each_examples_longest_pair_after_truncation()
    {
        var tokenizer = TokenizerLoader.Load(Fixtures.Path("hf", "bert-tiny"));
        var examples = new List<RankingExample>
        {
            new("short query", ["a passage", "a somewhat longer passage with more words in it"], [1f, 0f]),
            new("q", [string.Join(' ', Enumerable.Repeat("word", 500))], [1f]),
            new("another query here", ["x"], [0f]),
        };
        var lengths = ExampleTokenLengths.Of(examples, tokenizer, maxLength: 64);
        var truncation = new TruncationOptions(64);
        Assert.Equal(tokenizer.EncodePair(examples[0].Query, examples[0].Passages[1], truncation).Length, lengths[0]);
        Assert.True(lengths[0] > tokenizer.EncodePair(examples[0].Query, examples[0].Passages[0], truncation).Length);
        Assert.Equal(64, lengths[1]);
        Assert.Equal(tokenizer.EncodePair("another query here", "x", truncation).Length, lengths[2]);
        Assert.Equal(lengths, ExampleTokenLengths.Of(examples, tokenizer, 64, threads: 1));
    }

    [Fact]
    public void Group_sampling_puts_one_positive_first_and_repeats_negatives_only_when_too_few()
    {
        var example = new RankingExample("q", ["p1", "n1", "p2", "n2"], [1f, 0f, 1f, 0f], [9f, 1f, 8f, 2f]);
        var sampler = new GroupSampler(4);
        var random = new DeterministicRandom(7);
        var positives = new HashSet<string>();
        for (int i = 0; i < 50; i++)
        {
            var group = sampler.Sample(example, random);
            Assert.Equal(4, group.Passages.Count);
            Assert.StartsWith("p", group.Passages[0]);
            Assert.Equal([1f, 0f, 0f, 0f], group.Labels);
            Assert.All(group.Passages.Skip(1), p => Assert.StartsWith("n", p));
            Assert.All(group.Passages.Skip(1).GroupBy(p => p), g => Assert.True(g.Count() <= 2)); // ⌈3 / 2⌉ copies
            Assert.Equal(group.Passages.Select(p => p switch { "p1" => 9f, "n1" => 1f, "p2" => 8f, _ => 2f }), group.TeacherScores!);
            positives.Add(group.Passages[0]);
        }
        Assert.Equal(2, positives.Count);
        Assert.Throws<ArgumentException>(() => sampler.Sample(new RankingExample("q", ["p"], [1f]), random));
    }

    [Fact]
    public void Options_name_the_setting_that_cannot_be_used()
    {
        Assert.Contains("BatchSize", Assert.Throws<ArgumentException>(() => new TrainingOptions { BatchSize = 0 }.Validated()).Message);
        Assert.Contains("'warmup-cosine'", Assert.Throws<ArgumentException>(() => new TrainingOptions { Scheduler = "warmup-cosine" }.Validated()).Message);
        Assert.Contains("GroupSize", Assert.Throws<ArgumentException>(() => new TrainingOptions { GroupSize = 1 }.Validated()).Message);
        Assert.Contains("max_steps", Assert.Throws<ArgumentException>(() => new TrainingOptions { Epochs = 0 }.Validated()).Message);
        Assert.True(new TrainingOptions().IsGreaterBetter("dev_mrr@10"));
        Assert.False(new TrainingOptions().IsGreaterBetter("eval_loss"));
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Examples_without_a_negative_are_counted_before_the_first_step_with_the_setting_that_drops_them()
    {
        using var directory = new TemporaryDirectory();
        using var model = TinyRerankTask.Model(seed: 1);
        var train = TinyRerankTask.Examples(6, 4, seed: 2);
        train.Add(new RankingExample("lonely", ["only a positive"], [1f]));
        train.Add(new RankingExample("alone", ["one more positive"], [1f]));
        var steps = new List<long>();
        var error = Assert.Throws<ArgumentException>(() => new CrossEncoderTrainer().Train(model, train, new ListwiseCrossEntropyLoss(4), [],
            new TrainingOptions { OutputDir = directory.Path, MaxSteps = 2, BatchSize = 2, GroupSize = 4 }, new StepRecorder(steps)));
        Assert.Contains("2 of 8 training examples have no negative passage (label ≤ 0) to build a group of 4 from, e.g. 'lonely'", error.Message);
        Assert.Contains("mining.drop_short: true", error.Message);
        Assert.Empty(steps);
        Assert.Null(Checkpoints.FindLatest(directory.Path));
    }

    sealed class StepRecorder(List<long> steps) : ITrainingCallback
    {
        public void OnStepEnd(long step, long totalSteps) => steps.Add(step);
    }
}
