using System.Diagnostics;
using RerankExperiments.Data;
using RerankExperiments.Evaluation;
using RerankExperiments.Losses;
using RerankExperiments.Modeling;
using RerankExperiments.Torch.Optimization;
using RerankExperiments.Torch.Precision;
using RerankExperiments.Torch.Randomness;
using RerankExperiments.Torch.Safetensors;
using RerankExperiments.Torch.Schedules;
using RerankExperiments.Torch.StateDicts;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Training;

/// <summary>One call of <see cref="CrossEncoderTrainer.Train"/>: the loop and the state it carries between steps.</summary>
internal sealed class TrainingRun : IDisposable
{
    readonly CrossEncoder _model;
    readonly IReadOnlyList<RankingExample> _train;
    readonly IRankingLoss _loss;
    readonly IReadOnlyList<IEvaluator> _evaluators;
    readonly TrainingOptions _options;
    readonly ITrainingCallback _callbacks;
    readonly CancellationToken _cancellation;
    readonly string _outputDir;
    readonly DataOrder _order;
    readonly GroupSampler? _sampler;

    /// <summary>Skipped (non-finite) steps since the last applied one; not checkpointed (a resumed run counts afresh).</summary>
    int _consecutiveSkips;
    /// <summary>Chunks each micro-batch is split into after out-of-memory back-offs (1: none); not checkpointed.</summary>
    int _splits = 1;
    /// <summary>Examples and pairs of the forward pass last started: what an out-of-memory error reports.</summary>
    (int Examples, int Pairs) _lastForward;
    readonly string _device;
    readonly long _totalSteps;
    readonly int _maxLength;
    readonly string? _metricName;
    readonly ScalarType _originalDtype;
    readonly bool _onCuda;
    readonly TrainerPairScorer _scorer;
    readonly MixedPrecisionOptimizer _optimizer;
    readonly ILearningRateSchedule _schedule;
    // The loss since the last log and the last gradient norm stay on the device, so steps never wait for it;
    // they are read only when logging or saving.
    readonly Tensor _lossWindow;
    readonly Tensor _lastGradNorm;
    DeterministicRandom _dataRandom;
    TrainerState _state;
    IReadOnlyList<int[]> _epochBatches;
    int _epochOfBatches;
    string? _lastCheckpoint;
    long _lastSavedStep = -1;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    TimeSpan _lastLogTime;
    long _lastLogPairs;

    public TrainingRun(CrossEncoder model, IReadOnlyList<RankingExample> train, IRankingLoss loss, IReadOnlyList<IEvaluator> evaluators,
        TrainingOptions options, ITrainingCallback callbacks, CancellationToken cancellation)
    {
        _model = model;
        _train = train;
        _loss = loss;
        _evaluators = evaluators;
        _options = options;
        _callbacks = callbacks;
        _cancellation = cancellation;
        _outputDir = Path.GetFullPath(options.OutputDir);

        _metricName = options.MetricForBestModel ?? evaluators.FirstOrDefault()?.PrimaryMetric;
        if (evaluators.Count == 0 && (options.LoadBestModelAtEnd || options.EarlyStoppingPatience is not null || options.MetricForBestModel is not null))
            throw new ArgumentException("load_best_model_at_end, early_stopping_patience and metric_for_best_model need at least one evaluator.", nameof(evaluators));

        _sampler = options.GroupSize is { } groupSize ? new GroupSampler(groupSize) : null;
        _sampler?.CheckAll(train);
        _maxLength = options.MaxLength ?? model.MaxLength;
        int? tokenizerThreads = options.DataloaderWorkers == 0 ? null : options.DataloaderWorkers;
        var groupingLengths = options.LengthGrouping ? ExampleTokenLengths.Of(train, model.Tokenizer, _maxLength, tokenizerThreads) : null;
        _order = new DataOrder(train.Count, options.BatchSize, groupingLengths, options.DropLastBatch, options.Seed);
        long stepsPerEpoch = (_order.BatchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation;
        _totalSteps = options.MaxSteps > 0 ? options.MaxSteps : Math.Max(1, (long)Math.Ceiling(options.Epochs * stepsPerEpoch));

        var firstParameter = model.Model.parameters().First();
        _originalDtype = firstParameter.dtype;
        _onCuda = firstParameter.device.type == DeviceType.CUDA;
        _device = firstParameter.device.ToString();

        Seeding.SeedTorch(options.Seed);
        _dataRandom = new DeterministicRandom(Seeding.DeriveSeed(options.Seed ^ 0x5A3D_1E55L, -1));
        var adamW = new AdamWOptions(options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        _optimizer = MixedPrecisionOptimizer.Create(model.Model, options.Precision, adamW, WeightDecayRule.HuggingFaceDefault,
            options.Precision == PrecisionMode.Float16 ? new DynamicLossScaler(options.InitialLossScale) : null);
        _schedule = LearningRateSchedules.Create(options.Scheduler, _totalSteps, options.WarmupSteps, options.WarmupRatio);
        _scorer = new TrainerPairScorer(model, _maxLength, tokenizerThreads);
        var device = firstParameter.device;
        _lossWindow = zeros([], ScalarType.Float64, device);
        _lastGradNorm = zeros([], ScalarType.Float32, device);
        _state = new TrainerState { Run = Fingerprint(), BestMetricName = _metricName };
        _epochBatches = _order.Epoch(0);
    }

    RunFingerprint Fingerprint() => new()
    {
        Seed = _options.Seed,
        BatchSize = _options.BatchSize,
        GradientAccumulation = _options.GradientAccumulation,
        TotalSteps = _totalSteps,
        Precision = _options.Precision.ToString(),
        GroupSize = _options.GroupSize,
        LengthGrouping = _options.LengthGrouping,
        DropLastBatch = _options.DropLastBatch,
        TrainExamples = _train.Count,
    };

    bool IsMixed => !ReferenceEquals(_optimizer.MasterParameters, _optimizer.ModelParameters);

    public TrainingResult Execute(string? resumeFrom)
    {
        if (resumeFrom is not null) Restore(Checkpoints.Resolve(_outputDir, resumeFrom));
        Checkpoints.DeleteTemporaries(_outputDir);
        _model.Model.train();
        _callbacks.OnTrainBegin(_state.GlobalStep, _totalSteps);
        _lastLogPairs = _scorer.PairsScored;
        bool cancelled = false, earlyStopped = false;

        while (_state.GlobalStep < _totalSteps && !cancelled && !earlyStopped)
        {
            // Only reached cancelled before this run's first step (later steps check at their end): nothing to save.
            if (_cancellation.IsCancellationRequested) { cancelled = true; break; }
            RunStep();
            long step = _state.GlobalStep;
            bool last = step == _totalSteps;
            if (step % _options.LoggingSteps == 0 || last) Log(step);
            bool newBest = false;
            if (_evaluators.Count > 0 && ((_options.EvalSteps > 0 && step % _options.EvalSteps == 0) || last)) newBest = Evaluate(step);
            _callbacks.OnStepEnd(step, _totalSteps);

            earlyStopped = _options.EarlyStoppingPatience is { } patience && _state.PatienceCounter >= patience && !last;
            cancelled = _cancellation.IsCancellationRequested && !last;
            if ((_options.SaveSteps > 0 && step % _options.SaveSteps == 0) || last || newBest || earlyStopped || cancelled) Save(step);
        }

        if (!cancelled && _options.LoadBestModelAtEnd && _state.BestCheckpoint is { } best)
        {
            string bestPath = Path.Combine(_outputDir, best);
            if (Directory.Exists(bestPath)) LoadWeights(bestPath);
        }
        if (!cancelled) RestoreOriginalDtype();

        var result = new TrainingResult(_state.GlobalStep, _state.SkippedSteps, _state.LastMetrics, _metricName, _state.BestMetric, _state.BestStep,
            _state.BestCheckpoint is { } name ? Path.Combine(_outputDir, name) : null, _lastCheckpoint ?? Checkpoints.FindLatest(_outputDir),
            cancelled, earlyStopped, _state.LogHistory);
        _callbacks.OnTrainEnd(result);
        return result;
    }

    /// <summary>
    /// One optimizer step: accumulation micro-batches, then the (mixed-precision) AdamW update. Out of memory with
    /// training.oom_backoff on, the step starts again — gradients zeroed, random generators rewound — with every
    /// micro-batch split in twice as many chunks as before.
    /// </summary>
    void RunStep()
    {
        long step = _state.GlobalStep; // 0-based index of this step, as the schedule counts
        int first = _state.BatchInEpoch;
        int count = Math.Min(_options.GradientAccumulation, _epochBatches.Count - first);
        _optimizer.AdamW.LearningRate = _options.LearningRate * _schedule.Factor(step);
        var rewind = _options.OomBackoff ? RngState.Capture(_dataRandom) : null;
        while (true)
        {
            try
            {
                AccumulateGradients(step, first, count);
                break;
            }
            catch (Exception error) when (OutOfMemory.Is(error))
            {
                _optimizer.ZeroGrad();
                var (examples, pairs) = _lastForward;
                string? cannotSplit = rewind is null ? null : WhyNoSplit(examples);
                if (rewind is null || cannotSplit is not null)
                    throw TrainingOutOfMemoryException.InStep(step + 1, _device, examples, pairs, _maxLength, _options, cannotSplit, error);
                _dataRandom = rewind.Restore();
                _splits *= 2;
                _callbacks.OnOutOfMemoryBackoff(step + 1, _splits, (examples + 1) / 2);
            }
        }
        using (var scope = NewDisposeScope())
        {
            _callbacks.OnPreOptimizerStep(step + 1, _optimizer);
            var outcome = _optimizer.Step(_options.MaxGradNorm is > 0 ? _options.MaxGradNorm : null);
            if (outcome.Applied) _consecutiveSkips = 0;
            else
            {
                _state.SkippedSteps++;
                if (++_consecutiveSkips >= _options.MaxConsecutiveSkippedSteps)
                    throw new TrainingDivergedException(step + 1, _consecutiveSkips, _options.Precision);
            }
            using (no_grad()) _lastGradNorm.copy_(outcome.GradientNorm);
        }
        _state.GlobalStep++;
        _state.LossWindowSteps++;
        _state.BatchInEpoch += count;
        if (_state.BatchInEpoch >= _epochBatches.Count)
        {
            _state.Epoch++;
            _state.BatchInEpoch = 0;
        }
        EnsureEpochBatches();
    }

    /// <summary>Why splitting a forward pass of <paramref name="examples"/> further cannot help, or null when it can.</summary>
    string? WhyNoSplit(int examples)
    {
        if (examples <= 1) return "(training.oom_backoff is on, but one example per forward pass does not fit either)";
        if (_loss.Units([]) is not null) return null; // a loss that cannot be split says so for every batch
        string instead = _loss is ISelfBackwardLoss ? "lower its mini_batch_size instead" : "use cached-mnrl with a mini_batch_size for large in-batch losses";
        return $"(training.oom_backoff cannot split batches of loss '{_loss.Name}': its examples are scored against each other; {instead})";
    }

    /// <summary>
    /// Forward and backward over the step's micro-batches, each split into <see cref="_splits"/> chunks whose losses
    /// are weighted by their share of the loss's units (so the gradient is the unsplit batch's); the step's loss joins
    /// the logging window only when every micro-batch went through.
    /// </summary>
    void AccumulateGradients(long step, int first, int count)
    {
        using var scope = NewDisposeScope();
        // TorchSharp cannot read CUDA generator state, so the device generator is a function of (seed, step).
        if (_onCuda) cuda.manual_seed_all(Seeding.DeriveSeed(_options.Seed, step));
        double selfBackwardLoss = 0;
        Tensor? stepLoss = null;
        for (int micro = 0; micro < count; micro++)
        {
            var batch = _epochBatches[first + micro].Select(i => _sampler is null ? _train[i] : _sampler.Sample(_train[i], _dataRandom)).ToList();
            // A chunk's share of the micro-batch's loss: its units over the batch's (unsplit: one chunk, share 1).
            double units = _splits > 1 ? _loss.Units(batch) ?? 0 : 0;
            foreach (var chunk in Chunks(batch, _splits))
            {
                _lastForward = (chunk.Count, chunk.Sum(e => e.Passages.Count));
                double share = units > 0 ? _loss.Units(chunk)!.Value / units : (double)chunk.Count / batch.Count;
                double weight = share / count;
                if (_loss is ISelfBackwardLoss selfBackward)
                {
                    selfBackwardLoss += weight * selfBackward.ComputeWithBackward(chunk, _scorer, l => _optimizer.ScaleLoss(l * weight));
                    continue;
                }
                var loss = _loss.Compute(chunk, _scorer);
                if (loss.numel() != 1) throw new InvalidOperationException($"Loss '{_loss.Name}' returned a tensor of shape [{string.Join(", ", loss.shape)}]; a loss is one value.");
                _optimizer.ScaleLoss(loss * weight).backward();
                using (no_grad())
                {
                    var part = loss.detach().to(ScalarType.Float64).reshape([]) * weight;
                    stepLoss = stepLoss is null ? part : stepLoss.add_(part);
                }
            }
        }
        using (no_grad())
        {
            if (stepLoss is not null) _lossWindow.add_(stepLoss);
            if (selfBackwardLoss != 0) _lossWindow.add_(selfBackwardLoss);
        }
    }

    /// <summary><paramref name="batch"/> in <paramref name="parts"/> contiguous chunks of near-equal size (fewer when it is smaller).</summary>
    static IEnumerable<IReadOnlyList<RankingExample>> Chunks(List<RankingExample> batch, int parts)
    {
        if (parts <= 1) { yield return batch; yield break; }
        parts = Math.Min(parts, batch.Count);
        for (int p = 0, start = 0; p < parts; p++)
        {
            int size = (batch.Count - start) / (parts - p);
            yield return batch.GetRange(start, size);
            start += size;
        }
    }

    void EnsureEpochBatches()
    {
        if (_epochOfBatches == _state.Epoch) return;
        _epochBatches = _order.Epoch(_state.Epoch);
        _epochOfBatches = _state.Epoch;
    }

    double EpochProgress => _state.Epoch + (double)_state.BatchInEpoch / _order.BatchesPerEpoch;

    void Log(long step)
    {
        if (_state.LossWindowSteps == 0) return;
        double loss = (_lossWindow.item<double>() + _state.LossWindowSum) / _state.LossWindowSteps;
        var now = _clock.Elapsed;
        double seconds = (now - _lastLogTime).TotalSeconds;
        var values = new Dictionary<string, double>
        {
            ["loss"] = loss,
            ["learning_rate"] = _optimizer.AdamW.LearningRate,
            ["grad_norm"] = _lastGradNorm.item<float>(),
            ["epoch"] = EpochProgress,
            ["pairs_per_second"] = seconds > 0 ? (_scorer.PairsScored - _lastLogPairs) / seconds : 0,
            ["skipped_steps"] = _state.SkippedSteps,
        };
        if (_optimizer.LossScaler is { } scaler) values["loss_scale"] = scaler.Scale;
        _lossWindow.zero_();
        _state.LossWindowSum = 0;
        _state.LossWindowSteps = 0;
        _lastLogTime = now;
        _lastLogPairs = _scorer.PairsScored;
        _state.LogHistory.Add(new TrainingLogEntry(step, EpochProgress, "train", values));
        _callbacks.OnLog(step, values);
    }

    /// <summary>Runs every evaluator in eval mode; returns whether the metric for the best model improved.</summary>
    bool Evaluate(long step)
    {
        var metrics = new Dictionary<string, double>();
        var reranker = new Reranker(_model, new RerankerOptions(_options.EvalBatchSize, _maxLength));
        _model.Model.eval();
        try
        {
            using var scope = NewDisposeScope();
            foreach (var evaluator in _evaluators)
                foreach (var (key, metric) in evaluator.Evaluate(reranker))
                    metrics[key] = metric;
        }
        catch (Exception error) when (OutOfMemory.Is(error))
        {
            throw TrainingOutOfMemoryException.InEvaluation(step, _device, _options.EvalBatchSize, _maxLength, error);
        }
        finally
        {
            _model.Model.train();
        }
        _state.LastMetrics = metrics;
        _state.LogHistory.Add(new TrainingLogEntry(step, EpochProgress, "eval", metrics));
        _callbacks.OnEvaluate(step, metrics);
        if (_metricName is null) return false;

        double value = MetricValue(metrics, _metricName);
        bool greater = _options.IsGreaterBetter(_metricName);
        double threshold = _options.EarlyStoppingThreshold;
        bool improved = !double.IsNaN(value) && (_state.BestMetric is not { } best || (greater ? value > best + threshold : value < best - threshold));
        if (!improved)
        {
            _state.PatienceCounter++;
            return false;
        }
        _state.BestMetric = value;
        _state.BestStep = step;
        _state.PatienceCounter = 0;
        // The checkpoint of this step (saved right after) is the best; it is saved even off the save schedule.
        _state.BestCheckpoint = Checkpoints.Name(step);
        return true;
    }

    static double MetricValue(IReadOnlyDictionary<string, double> metrics, string name)
    {
        if (MetricKeys.TryFind(metrics, name, out double value)) return value;
        throw new InvalidOperationException($"metric_for_best_model '{name}' is not among the evaluation metrics: {string.Join(", ", metrics.Keys)}.");
    }

    void Save(long step)
    {
        if (step == _lastSavedStep) return;
        _state.LossWindowSum += _lossWindow.item<double>();
        _lossWindow.zero_();
        _state.OptimizerStepCount = _optimizer.AdamW.StepCount;
        if (_optimizer.LossScaler is { } scaler)
            (_state.LossScale, _state.LossScaleCleanSteps, _state.LossScalerSkippedSteps) = scaler.State;
        var rng = RngState.Capture(_dataRandom);
        _state.TorchRngState = Convert.ToBase64String(rng.TorchCpuState);
        _state.DataRandomState = rng.DataRandomState;

        string path = Checkpoints.WriteAtomically(_outputDir, step, folder =>
        {
            _model.Save(Path.Combine(folder, Checkpoints.ModelFolder));
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "pt",
                ["step_count"] = _optimizer.AdamW.StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            SafetensorsWriter.Write(Path.Combine(folder, Checkpoints.OptimizerFile),
                [new("exp_avg", _optimizer.AdamW.ExpAvg), new("exp_avg_sq", _optimizer.AdamW.ExpAvgSq)], metadata);
            if (IsMixed)
            {
                using var scope = NewDisposeScope();
                var master = _optimizer.MasterParameters;
                SafetensorsWriter.Write(Path.Combine(folder, Checkpoints.MasterWeightsFile),
                    master.Slots.Select(s => new KeyValuePair<string, Tensor>(s.Name, master.Data.narrow(0, s.Offset, s.Count).view(s.Shape))),
                    StateDict.PyTorchMetadata);
            }
            _state.Save(Path.Combine(folder, TrainerState.FileName));
        });
        _lastSavedStep = step;
        _lastCheckpoint = path;
        _callbacks.OnSave(step, path);
        if (_options.SaveTotalLimit is { } limit)
            Checkpoints.Rotate(_outputDir, limit, _state.BestCheckpoint is { } best ? Path.Combine(_outputDir, best) : null);
    }

    void Restore(string checkpoint)
    {
        var saved = TrainerState.Load(Path.Combine(checkpoint, TrainerState.FileName));
        var differences = saved.Run.Differences(Fingerprint());
        if (differences.Count > 0)
            throw new InvalidOperationException($"Cannot resume exactly from {checkpoint}: settings differ from the checkpoint's run ({string.Join("; ", differences)}).");
        LoadWeights(checkpoint);
        using (var optimizerState = SafetensorsFile.Open(Path.Combine(checkpoint, Checkpoints.OptimizerFile)))
        {
            using var expAvg = optimizerState.Read("exp_avg", ScalarType.Float32);
            using var expAvgSq = optimizerState.Read("exp_avg_sq", ScalarType.Float32);
            _optimizer.AdamW.Restore(expAvg, expAvgSq, saved.OptimizerStepCount);
        }
        if (_optimizer.LossScaler is { } scaler && saved.LossScale is { } scale)
            scaler.Restore((scale, saved.LossScaleCleanSteps, saved.LossScalerSkippedSteps));
        _dataRandom = new RngState(Convert.FromBase64String(saved.TorchRngState), saved.DataRandomState).Restore();
        _state = saved;
        _state.BestMetricName ??= _metricName;
        _lastSavedStep = saved.GlobalStep;
        _lastCheckpoint = checkpoint;
        using (no_grad()) _lossWindow.zero_();
        EnsureEpochBatches();
    }

    /// <summary>
    /// Copies a checkpoint's weights into the model, and its fp32 master weights into the optimizer in mixed
    /// precision (the model folder holds them rounded to the compute dtype).
    /// </summary>
    void LoadWeights(string checkpoint)
    {
        using (var weights = SafetensorsCheckpoint.Open(Path.Combine(checkpoint, Checkpoints.ModelFolder)))
            StateDict.Load(_model.Model, weights, strict: true);
        if (!IsMixed) return;
        string masterPath = Path.Combine(checkpoint, Checkpoints.MasterWeightsFile);
        using var master = SafetensorsFile.Open(masterPath);
        var data = _optimizer.MasterParameters.Data;
        using var noGrad = no_grad();
        foreach (var slot in _optimizer.MasterParameters.Slots)
        {
            using var value = master.Read(slot.Name, ScalarType.Float32, data.device);
            if (value.numel() != slot.Count) throw new InvalidDataException($"{masterPath}: '{slot.Name}' has {value.numel()} elements, the model {slot.Count}.");
            using var target = data.narrow(0, slot.Offset, slot.Count);
            target.copy_(value.reshape(-1));
        }
    }

    /// <summary>
    /// After mixed-precision training of an fp32 model, hands the model back in fp32 holding the master weights,
    /// so nothing of the training is lost to the compute dtype's rounding.
    /// </summary>
    void RestoreOriginalDtype()
    {
        if (!IsMixed || _originalDtype != ScalarType.Float32) return;
        _model.Model.to(ScalarType.Float32);
        var parameters = _model.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var master = _optimizer.MasterParameters;
        using var noGrad = no_grad();
        foreach (var slot in master.Slots)
        {
            using var source = master.Data.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
            parameters[slot.Name].copy_(source);
        }
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _lossWindow.Dispose();
        _lastGradNorm.Dispose();
    }
}
