namespace RerankExperiments.Data;

/// <summary>
/// A dataset file read as rows, streamed: implementations hold at most one line, JSON element, row group or record
/// batch at a time, so a multi-gigabyte training file costs no more memory than its largest unit.
/// </summary>
public interface IRowSource
{
    /// <summary>The file being read, for error messages.</summary>
    string Path { get; }

    /// <summary>
    /// The rows in file order. A row the format cannot parse throws a <see cref="DataFormatException"/> naming
    /// file:row — unless the source was built with a bad-row callback, which then receives it and the row is skipped.
    /// </summary>
    IEnumerable<DataRow> ReadRows();
}
