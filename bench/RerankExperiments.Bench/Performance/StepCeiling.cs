using System.Diagnostics;
using RerankExperiments.Modeling;
using RerankExperiments.Tokenization;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Where a training step's time goes, measured from the inside out on the MiniLM training case's own length-grouped
/// batches (the first 320 quickstart pairs in the trainer's <see cref="DataOrder"/>): the encoder layers alone, forward
/// + backward, without dropout, with dropout 0.1 on the attention probabilities only, on the hidden states only, and on
/// both; the whole model from token ids to the BCE loss, its gradients bound to one flat buffer as the trainer binds
/// them (autograd adds into them); and last the trainer's step itself (<see cref="TrainingThroughput"/>). The
/// differences between rows are what each dropout, the embeddings and head, and the trainer (tokenization, collation,
/// clipping, AdamW) cost; the first row is the ceiling the step can approach. All parts but the last run batch by
/// batch, side by side, each timed alone and followed by its own limit measurement (<see cref="AdjacentLimit"/>);
/// every row counts the same FLOPs, the whole step's (the pooler and classifier are 0.001 % of them), so their
/// fractions of the limit compare.
/// </summary>
public static class StepCeiling
{
    const int Passes = 3;

    public static readonly string[] Parts =
    [
        "encoder layers, forward + backward, dropout 0",
        "encoder layers, forward + backward, dropout 0.1 on the attention probabilities only",
        "encoder layers, forward + backward, dropout 0.1 on the hidden states only",
        "encoder layers, forward + backward, dropout 0.1",
        "model + BCE loss from token ids, forward + backward, dropout 0.1, gradients in the trainer's flat buffer",
        "the trainer's step: tokenization, collation, forward, backward, clipping, AdamW",
    ];

    public static Dictionary<string, double> Run(QuickstartData data, Tokenizer tokenizer, string tokenizerDirectory)
    {
        var @case = new PerformanceCase("training", "minilm", Grouped: true, Examples: 320);
        var examples = data.Examples.Take(@case.Examples).ToList();
        var lengths = ExampleTokenLengths.Of(examples, tokenizer, TrainingThroughput.MaxLength);
        var batches = new DataOrder(examples.Count, TrainingThroughput.BatchSize, lengths, dropLast: false, seed: 1).Epoch(0);
        var flops = ModelFlops.Of(@case.Size);

        // The layers with each dropout (none, attention only, hidden only, both), then the whole model with both; all
        // from the same initial weights, gradients bound to one flat buffer per model as the trainer binds them.
        var sizes = new[]
        {
            @case.Size with { Dropout = 0 }, @case.Size with { Dropout = 0, AttentionDropout = @case.Size.Dropout },
            @case.Size with { AttentionDropout = 0 }, @case.Size,
        };
        var encoders = sizes.Select(size =>
        {
            manual_seed(1);
            var encoder = CrossEncoder.Create(size.Config(), tokenizer, tokenizerDirectory);
            encoder.Model.train();
            return encoder;
        }).ToList();
        var gradients = encoders.Select(e => FlatParameters.Bind(e.Model.named_parameters(), (_, _) => true)).ToList();
        var layers = encoders.Select(e => Layers(e.Model)).ToList();
        var dropped = encoders[^1].Model;
        var limits = new AdjacentLimit[Parts.Length - 1];
        for (int part = 0; part < limits.Length; part++) limits[part] = new AdjacentLimit();
        double stepFlops = 0;
        for (int pass = 0; pass <= Passes; pass++) // pass 0 warms up
            foreach (var batch in batches)
            {
                var batchLengths = batch.Select(i => lengths[i]).ToArray();
                using var scope = NewDisposeScope();
                var inputs = BatchInputs.Random(batchLengths, @case.Size.Hidden);
                foreach (var buffer in gradients) buffer.ZeroGrad();
                var seconds = layers.Select(l => Timed(() => LayersForwardBackward(l, inputs)))
                    .Append(Timed(() => ModelForwardBackward(dropped, inputs))).ToArray();
                if (pass == 0) continue;
                stepFlops += ModelFlops.TrainingPasses * flops.ForwardComputed(batchLengths);
                for (int part = 0; part < seconds.Length; part++) limits[part].Record(seconds[part]);
            }

        var figures = new Dictionary<string, double>();
        for (int part = 0; part < limits.Length; part++)
            Add(figures, part, stepFlops, limits[part].Seconds, limits[part].WeightedLimit);
        foreach (var buffer in gradients) buffer.Dispose();
        foreach (var encoder in encoders) encoder.Dispose();
        var step = TrainingThroughput.Run(@case, data, tokenizer, tokenizerDirectory);
        Add(figures, Parts.Length - 1, step["computed_flops"], step["seconds"], step["limit"]);
        return figures;
    }

    /// <summary>Each part's FLOPs, seconds and time-weighted limit, as "part{i}_…" figures.</summary>
    static void Add(Dictionary<string, double> figures, int part, double flops, double seconds, double limit)
    {
        figures[$"part{part}_flops"] = flops;
        figures[$"part{part}_seconds"] = seconds;
        figures[$"part{part}_limit"] = limit;
    }

    static double Timed(Action work)
    {
        var clock = Stopwatch.StartNew();
        work();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// A BERT model's encoder layers, reached by their Hugging Face name as a state dict names them (the layer classes
    /// are the library's internals): hidden states and attention mask in, hidden states out.
    /// </summary>
    static nn.Module<Tensor, Tensor, Tensor> Layers(SequenceClassificationModel model) =>
        (nn.Module<Tensor, Tensor, Tensor>)model.named_modules().Single(m => m.name == "bert.encoder").module;

    /// <summary>The layers on random hidden states with the batch's padding mask, backward from a random upstream gradient.</summary>
    static void LayersForwardBackward(nn.Module<Tensor, Tensor, Tensor> layers, BatchInputs inputs)
    {
        using var scope = NewDisposeScope();
        layers.forward(inputs.Hidden, inputs.AttentionMask).backward([inputs.Upstream]);
    }

    /// <summary>Token ids to the mean BCE loss over random labels, and back.</summary>
    static void ModelForwardBackward(SequenceClassificationModel model, BatchInputs inputs)
    {
        using var scope = NewDisposeScope();
        var logits = model.forward(inputs.Ids, inputs.AttentionMask, inputs.TokenTypes);
        nn.functional.binary_cross_entropy_with_logits(logits.select(1, 0), inputs.Labels).backward();
    }

    /// <summary>
    /// One batch's random stand-ins, padded to its longest pair as the trainer pads it: token ids (within the
    /// quickstart vocabulary), segment ids, the padding mask, labels, and hidden states and their upstream gradient for
    /// the layers alone.
    /// </summary>
    sealed record BatchInputs(Tensor Ids, Tensor TokenTypes, Tensor AttentionMask, Tensor Labels, Tensor Hidden, Tensor Upstream)
    {
        public static BatchInputs Random(int[] lengths, int hidden)
        {
            long batch = lengths.Length, longest = lengths.Max();
            var attentionMask = arange(longest).unsqueeze(0).lt(tensor(lengths.Select(l => (long)l).ToArray()).unsqueeze(1)).to(ScalarType.Int64);
            return new BatchInputs(randint(1000, 8000, [batch, longest]) * attentionMask, zeros([batch, longest], ScalarType.Int64), attentionMask,
                randint(0, 2, [batch]).to(ScalarType.Float32), randn(batch, longest, hidden).requires_grad_(), randn(batch, longest, hidden));
        }
    }
}
