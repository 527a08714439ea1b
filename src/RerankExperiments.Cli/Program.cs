using System.CommandLine;
using RerankExperiments.Cli.Commands;

// `rerank`: the command line. Each command lives in Commands/ and calls the library; the library knows no
// command line.
var root = new RootCommand("RerankExperiments: fine-tune cross-encoder rerankers from YAML experiments.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(SmokeCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(RankCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(MineCommand.Create());
root.Subcommands.Add(MergeCommand.Create());
root.Subcommands.Add(MlflowSyncCommand.Create());
root.Subcommands.Add(SweepCommand.Create());
TorchThreads.ConfigureFor(args);
return root.Parse(args).Invoke();
