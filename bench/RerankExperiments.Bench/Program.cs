using RerankExperiments.Bench;
using TorchSharp;

// One command, one table: `dotnet run -c Release --project bench/RerankExperiments.Bench`.
torch.set_num_threads(Environment.ProcessorCount);
Console.WriteLine($"# RerankExperiments foundation benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"# {Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads, libtorch {torch.__version__}, TorchSharp {typeof(torch).Assembly.GetName().Version}, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine();
FoundationBenchmarks.Run(Console.Out);
Console.WriteLine($"| peak resident memory of the benchmark process | {Measurement.PeakResidentMiB():F0} | MiB |");
