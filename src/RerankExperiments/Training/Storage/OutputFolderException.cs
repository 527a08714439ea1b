namespace RerankExperiments.Training.Storage;

/// <summary>
/// The output folder cannot take what a run will write: it cannot be created or written, it is too full, or a
/// checkpoint or model write ran out of space. An <see cref="IOException"/> so commands that report I/O errors
/// report it; the message names the folder or file and what to change.
/// </summary>
public sealed class OutputFolderException(string message, Exception? inner = null) : IOException(message, inner);
