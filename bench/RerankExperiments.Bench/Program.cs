using RerankExperiments.Bench;
using RerankExperiments.Bench.Performance;
using TorchSharp;

// One command per suite, one table each:
//   dotnet run -c Release --project bench/RerankExperiments.Bench               (foundation)
//   dotnet run -c Release --project bench/RerankExperiments.Bench -- tokenizers
//   dotnet run -c Release --project bench/RerankExperiments.Bench -- scoring
//   dotnet run -c Release --project bench/RerankExperiments.Bench -- training
//   dotnet run -c Release --project bench/RerankExperiments.Bench -- mining
//   dotnet run -c Release --project bench/RerankExperiments.Bench -- performance [section…] [minilm-only]
//   bench/gpu/prepare.sh here, then bench/gpu/run.sh on the device machine (bench/gpu/README.md)
string suite = args.Length > 0 ? args[0] : "foundation";
string root = FindRepositoryRoot();
if (suite == "gpu") return RerankExperiments.Bench.Gpu.GpuBenchmarks.Run(root, args[1..]);
if (suite == PerformanceCaseProcess.Verb) return PerformanceCaseProcess.RunChild(root, args[1..]);
Console.WriteLine($"# RerankExperiments {suite} benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"# {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine();
switch (suite)
{
    case "foundation":
        torch.set_num_threads(Environment.ProcessorCount);
        Console.WriteLine($"# {torch.get_num_threads()} torch threads, libtorch {torch.__version__}, TorchSharp {typeof(torch).Assembly.GetName().Version}");
        FoundationBenchmarks.Run(Console.Out);
        break;
    case "tokenizers":
        TokenizerBenchmarks.Run(root, Console.Out);
        break;
    case "scoring":
        ScoringBenchmarks.Run(root, Console.Out);
        break;
    case "training":
        TrainingBenchmarks.Run(root, Console.Out);
        break;
    case "performance":
        PerformanceBenchmarks.Run(root, args[1..], Console.Out);
        break;
    case "mining":
        MiningBenchmarks.Run(Console.Out);
        DenseMiningBenchmarks.Run(root, Console.Out);
        break;
    default:
        Console.Error.WriteLine($"Unknown suite '{suite}': foundation, tokenizers, scoring, training, mining or performance.");
        return 2;
}
Console.WriteLine($"| peak resident memory of the benchmark process | {Measurement.PeakResidentMiB():F0} | MiB |");
return 0;

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        if (File.Exists(Path.Combine(directory.FullName, "RerankExperiments.sln"))) return directory.FullName;
    return Directory.GetCurrentDirectory();
}
