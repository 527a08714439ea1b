namespace RerankExperiments.Cli.Commands;

/// <summary>Bad user input (a file and line), reported without a stack trace.</summary>
public sealed class InputException(string message) : Exception(message);
