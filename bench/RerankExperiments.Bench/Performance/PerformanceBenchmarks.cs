using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Training;

namespace RerankExperiments.Bench.Performance;

/// <summary>
/// Issue 16's CPU table, all in one run: this machine's matmul limit, padding with and without length grouping,
/// training and scoring throughput of MiniLM-L6-sized and BERT-base-sized cross-encoders on the quickstart data as
/// fractions of that limit, and each case's peak memory. Sections can be picked by name: limit, padding, training,
/// scoring, ceiling, quality (default: all); "minilm-only" skips the BERT-base cases. "ceiling" takes the MiniLM training
/// step apart (<see cref="StepCeiling"/>); "quality" asks whether length grouping changes what a model learns
/// (<see cref="GroupingQuality"/>). "runs=N" runs every training and scoring case N times, round-robin (case 1, case 2,
/// …, case 1, …), and reports each case's median run with the range over the runs: on this shared host one run's
/// fraction of the limit moves by several points from one run to the next.
/// </summary>
public static class PerformanceBenchmarks
{
    static readonly string[] AllSections = ["limit", "padding", "training", "scoring", "ceiling", "quality"];

    public static void Run(string root, IReadOnlyList<string> arguments, TextWriter output)
    {
        TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
        var sections = arguments.Where(a => AllSections.Contains(a)).ToHashSet();
        if (sections.Count == 0) sections = [.. AllSections];
        bool minilmOnly = arguments.Contains("minilm-only");
        int runs = Runs(arguments);
        var sizes = minilmOnly ? [BenchModels.MiniLm] : new[] { BenchModels.MiniLm, BenchModels.BertBase };
        output.WriteLine($"# {TorchSharp.torch.get_num_threads()} torch threads, fp32; quickstart data: first {QuickstartData.Rows} rows of data/debian-packages/train.jsonl");
        output.WriteLine();

        string tokenizerDirectory = QuickstartData.BuildTokenizer(root, Path.Combine(Path.GetTempPath(), "rerank-bench-quickstart-tokenizer"));
        if (sections.Contains("limit")) Limit(output, sizes, GemmLimits.Square1024());
        if (sections.Contains("padding")) Padding(root, output, tokenizerDirectory);

        var cases = (from kind in new[] { "training", "scoring" }.Where(sections.Contains)
                     from c in Cases(kind, minilmOnly)
                     from grouped in new[] { false, true }
                     select new PerformanceCase(kind, c.Model, grouped, c.Examples)).ToList();
        var results = cases.Select(_ => new List<Dictionary<string, double>>()).ToList();
        for (int run = 0; run < runs; run++)
            for (int i = 0; i < cases.Count; i++) results[i].Add(PerformanceCaseProcess.Run(cases[i], tokenizerDirectory));
        if (cases.Count > 0) Throughput(output, cases.Zip(results).ToList());
        if (sections.Contains("ceiling")) Ceiling(output, PerformanceCaseProcess.Run(new PerformanceCase("ceiling", "minilm", Grouped: true, Examples: 320), tokenizerDirectory));
        if (sections.Contains("quality")) Quality(root, output, tokenizerDirectory);
    }

    /// <summary>Held-out average precision and training loss along training, random vs length-grouped batches, per seed.</summary>
    static void Quality(string root, TextWriter output, string tokenizerDirectory)
    {
        int[] seeds = [1, 2];
        var curves = GroupingQuality.Run(QuickstartData.Load(root), TokenizerLoader.Load(tokenizerDirectory), tokenizerDirectory, seeds);
        output.WriteLine($"## Length grouping and what the model learns: {GroupingQuality.Model.Name}, BCE, {GroupingQuality.TrainPairs} pairs × " +
            $"{GroupingQuality.Epochs} epochs, batch {GroupingQuality.BatchSize}, max_length {GroupingQuality.MaxLength}, lr {Format(GroupingQuality.LearningRate, "0.0e0")}, seeds {string.Join(", ", seeds)}");
        output.WriteLine();
        output.WriteLine($"Held-out average precision ({GroupingQuality.HeldOutPairs} pairs, half relevant) and training loss (mean over the last " +
            $"{GroupingQuality.EvalSteps} steps): mean over seeds [min–max].");
        output.WriteLine();
        output.WriteLine("| step | AP, random batches | AP, length-grouped | loss, random batches | loss, length-grouped |");
        output.WriteLine("|---:|---:|---:|---:|---:|");
        var random = curves.Where(c => !c.Grouped).ToList();
        var grouped = curves.Where(c => c.Grouped).ToList();
        foreach (long step in random[0].HeldOutAp.Keys)
            output.WriteLine($"| {step} | {Spread(random.Select(c => c.HeldOutAp[step]))} | {Spread(grouped.Select(c => c.HeldOutAp[step]))} | " +
                $"{Spread(random.Select(c => c.TrainLoss[step]))} | {Spread(grouped.Select(c => c.TrainLoss[step]))} |");
        output.WriteLine();
        long last = random[0].HeldOutAp.Keys.Max();
        var differences = seeds.Select(seed => grouped.Single(c => c.Seed == seed).HeldOutAp[last] - random.Single(c => c.Seed == seed).HeldOutAp[last]).ToList();
        output.WriteLine($"- final held-out AP, grouped − random, per seed: {string.Join(", ", differences.Select(d => Format(d, "+0.000;-0.000")))}; " +
            $"spread between seeds of one arm: random {Format(random.Max(c => c.HeldOutAp[last]) - random.Min(c => c.HeldOutAp[last]), "F3")}, " +
            $"grouped {Format(grouped.Max(c => c.HeldOutAp[last]) - grouped.Min(c => c.HeldOutAp[last]), "F3")}");
        output.WriteLine($"- training pairs/s (evaluations excluded), grouped / random: {Format(grouped.Average(c => c.PairsPerSecond) / random.Average(c => c.PairsPerSecond), "F2")}×");
        output.WriteLine();

        static string Spread(IEnumerable<double> values)
        {
            var list = values.ToList();
            return $"{Format(list.Average(), "F3")} [{Format(list.Min(), "F3")}–{Format(list.Max(), "F3")}]";
        }
    }

    /// <summary>The MiniLM training step taken apart: each row adds to the one above it (<see cref="StepCeiling"/>).</summary>
    static void Ceiling(TextWriter output, Dictionary<string, double> figures)
    {
        output.WriteLine($"## Where the training step's time goes: {BenchModels.MiniLm.Name}, the length-grouped training case's batches");
        output.WriteLine();
        output.WriteLine("Every row counts the whole step's FLOPs; all but the last ran side by side, batch by batch, each followed by its own limit measurement.");
        output.WriteLine();
        output.WriteLine("| part | seconds | GFLOP/s | limit | / limit |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        for (int part = 0; part < StepCeiling.Parts.Length; part++)
        {
            double seconds = figures[$"part{part}_seconds"], rate = figures[$"part{part}_flops"] / seconds / 1e9, limit = figures[$"part{part}_limit"];
            output.WriteLine($"| {StepCeiling.Parts[part]} | {Format(seconds, "F1")} | {Format(rate, "F1")} | {Format(limit, "F0")} | {Format(rate / limit, "P0")} |");
        }
        output.WriteLine();
    }

    /// <summary>Model and examples of each case: a whole epoch of that many pairs (grouped batches vary in length along an epoch).</summary>
    static IEnumerable<(string Model, int Examples)> Cases(string kind, bool minilmOnly)
    {
        yield return ("minilm", kind == "training" ? 320 : 1024);
        if (kind == "training") yield return ("minilm-no-dropout", 320); // scoring runs without dropout anyway
        if (!minilmOnly) yield return ("bert-base", kind == "training" ? 96 : 256);
    }

    static void Limit(TextWriter output, IReadOnlyList<BenchModels.Size> sizes, double square)
    {
        output.WriteLine("## The limit: fp32 matrix products");
        output.WriteLine();
        output.WriteLine("| product | GFLOP/s |");
        output.WriteLine("|---|---:|");
        output.WriteLine($"| 1024 × 1024 · 1024 × 1024 | {Format(square, "F1")} |");
        int tokens = TrainingThroughput.BatchSize * TrainingThroughput.MaxLength;
        foreach (var size in sizes)
            foreach (var row in GemmLimits.ModelShapes(size, tokens))
                output.WriteLine($"| {size.Name}: {row.Shape} | {Format(row.GigaFlopsPerSecond, "F1")} |");
        output.WriteLine();
    }

    /// <summary>Exact, from the tokenized lengths: a whole epoch over all 12,000 pairs, in the batches the trainer and the Reranker make.</summary>
    static void Padding(string root, TextWriter output, string tokenizerDirectory)
    {
        var data = QuickstartData.Load(root);
        var lengths = ExampleTokenLengths.Of(data.Examples, TokenizerLoader.Load(tokenizerDirectory), TrainingThroughput.MaxLength);
        var flops = ModelFlops.Of(BenchModels.MiniLm);
        output.WriteLine($"## Padding: one epoch over the {lengths.Length} pairs at max_length {TrainingThroughput.MaxLength}");
        output.WriteLine();
        output.WriteLine($"Pair lengths: mean {Format(lengths.Average(), "F1")}, median {Percentile(lengths, 0.5)}, 90th percentile {Percentile(lengths, 0.9)}, " +
            $"{lengths.Count(l => l == TrainingThroughput.MaxLength)} truncated to {TrainingThroughput.MaxLength}.");
        output.WriteLine();
        output.WriteLine("| batches | size | useful tokens | computed tokens | useful / computed tokens | useful / computed FLOPs (MiniLM) |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (bool grouped in new[] { false, true })
        {
            var order = new DataOrder(lengths.Length, TrainingThroughput.BatchSize, grouped ? lengths : null, dropLast: false, seed: 1);
            Row($"training, {(grouped ? "length-grouped" : "random")}", TrainingThroughput.BatchSize, BatchShapes.Of(order.Epoch(0), lengths, flops));
        }
        var inputOrder = Enumerable.Range(0, lengths.Length).ToArray();
        Row("scoring, input order", ScoringThroughput.BatchSize, BatchShapes.Of(BatchShapes.Consecutive(inputOrder, ScoringThroughput.BatchSize), lengths, flops));
        Row("scoring, length-sorted", ScoringThroughput.BatchSize, BatchShapes.Of(BatchShapes.Consecutive(BatchShapes.LongestFirst(lengths), ScoringThroughput.BatchSize), lengths, flops));
        output.WriteLine();

        void Row(string name, int size, BatchShapes shapes) =>
            output.WriteLine($"| {name} | {size} | {shapes.UsefulTokens} | {shapes.ComputedTokens} | {Format(shapes.TokenEfficiency, "F3")} | " +
                $"{Format(shapes.UsefulForwardFlops / shapes.ComputedForwardFlops, "F3")} |");
    }

    static int Percentile(int[] values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];
    }

    /// <summary>"runs=N" (N ≥ 1), or one run.</summary>
    static int Runs(IReadOnlyList<string> arguments)
    {
        string? argument = arguments.LastOrDefault(a => a.StartsWith("runs=", StringComparison.Ordinal));
        if (argument is null) return 1;
        return int.TryParse(argument["runs=".Length..], System.Globalization.CultureInfo.InvariantCulture, out int runs) && runs >= 1
            ? runs : throw new ArgumentException($"'{argument}': runs=N takes a whole number of runs, 1 or more.");
    }

    /// <summary>A run's computed FLOPs over the FLOPs the limit would have done in its time: Σ FLOPᵢ / Σ (tᵢ · limitᵢ).</summary>
    static double ComputedShare(Dictionary<string, double> f) => f["computed_flops"] / f["seconds"] / 1e9 / f["limit"];

    /// <summary>
    /// One row per case, from its median run by computed / limit (the lower middle one of an even count). "limit" is
    /// the 1024² matmul rate measured after each step or scoring call, weighted by their times (its range in
    /// brackets); "/ limit" is Σ FLOPᵢ / Σ (tᵢ · limitᵢ) (see <see cref="AdjacentLimit"/>); with several runs, the last
    /// column gives every run's computed / limit.
    /// </summary>
    static void Throughput(TextWriter output, List<(PerformanceCase Case, List<Dictionary<string, double>> Runs)> cases)
    {
        var rows = cases.Select(c => (c.Case, Figures: c.Runs.OrderBy(ComputedShare).ElementAt((c.Runs.Count - 1) / 2), c.Runs)).ToList();
        bool several = cases.Any(c => c.Runs.Count > 1);
        output.WriteLine("## Throughput");
        output.WriteLine();
        if (several)
        {
            output.WriteLine($"Each case ran {cases.Max(c => c.Runs.Count)} times, round-robin; its row is the median run.");
            output.WriteLine();
        }
        output.WriteLine("| what | model | batches | pairs | seconds | pairs/s | useful / computed tokens | GFLOP/s computed | GFLOP/s useful | limit [range] | computed / limit | useful / limit | update share | peak RSS MiB |" + (several ? " computed / limit, every run |" : ""));
        output.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (several ? "---|" : ""));
        foreach (var (@case, f, runs) in rows)
        {
            double seconds = f["seconds"];
            double computed = f["computed_flops"] / seconds / 1e9, useful = f["useful_flops"] / seconds / 1e9;
            double limit = f["limit"];
            output.WriteLine($"| {@case.Kind} | {@case.Size.Name} | {@case.Batching} | {f["pairs"]} | {Format(seconds, "F1")} | {Format(f["pairs"] / seconds, "F1")} | " +
                $"{Format(f["useful_tokens"] / f["computed_tokens"], "F3")} | {Format(computed, "F1")} | {Format(useful, "F1")} | " +
                $"{Format(limit, "F0")} [{Format(f["limit_min"], "F0")}–{Format(f["limit_max"], "F0")}] | {Format(ComputedShare(f), "P0")} | {Format(useful / limit, "P0")} | {(f.TryGetValue("update_seconds", out double update) ? Format(update / seconds, "P0") : "–")} | {Format(f["peak_rss_mib"], "F0")} |" +
                (several ? $" {string.Join(", ", runs.Select(r => Format(ComputedShare(r), "P0")))} |" : ""));
        }
        output.WriteLine();
        foreach (var group in rows.GroupBy(r => (r.Case.Kind, r.Case.Model)))
        {
            var random = group.Single(r => !r.Case.Grouped);
            var grouped = group.Single(r => r.Case.Grouped);
            // Run by run (round-robin, so run k of both cases shared the host's state), then the median of the ratios.
            var ratios = grouped.Runs.Zip(random.Runs, (g, r) => g["pairs"] / g["seconds"] / (r["pairs"] / r["seconds"])).Order().ToList();
            string spread = ratios.Count > 1 ? $" (runs {Format(ratios[0], "F2")}–{Format(ratios[^1], "F2")}×)" : "";
            output.WriteLine($"- {group.Key.Kind}, {grouped.Case.Size.Name}: {grouped.Case.Batching} / {random.Case.Batching} pairs/s = {Format(ratios[(ratios.Count - 1) / 2], "F2")}×{spread}");
        }
        output.WriteLine();
    }

    static string Format(double value, string format) => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
