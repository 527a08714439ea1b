using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace RerankExperiments.Experiments.Config;

/// <summary>
/// Reads one YAML document into a <see cref="ConfigNode"/> tree with source marks. Guards against hostile input:
/// files over <see cref="MaxFileBytes"/>, alias expansion ("billion laughs") beyond <see cref="MaxNodes"/> nodes,
/// nesting deeper than <see cref="MaxDepth"/>, duplicate keys, non-scalar keys and several documents are errors,
/// each with file:line:column.
/// </summary>
public sealed class YamlConfigReader
{
    public const long MaxFileBytes = 1 << 20;
    public const int MaxNodes = 100_000;
    public const int MaxDepth = 64;

    readonly string _file;
    readonly Dictionary<string, (ConfigNode Node, int Size)> _anchors = new(StringComparer.Ordinal);
    int _nodes;
    SourceMark _last;

    YamlConfigReader(string file)
    {
        _file = file;
        _last = new SourceMark(file, 1, 1);
    }

    /// <summary>Reads a file; a missing, unreadable or over-large one is an <see cref="ExperimentConfigException"/>.</summary>
    public static ConfigNode ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw Single(null, $"{path}: the experiment file does not exist.");
        if (info.Length > MaxFileBytes)
            throw Single(new SourceMark(path, 1, 1), $"the file is {info.Length:N0} bytes; experiment files are limited to {MaxFileBytes:N0} bytes.");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw Single(null, $"{path}: cannot be read: {error.Message}");
        }
        return Read(text, path);
    }

    /// <summary>Reads YAML text; <paramref name="file"/> names it in errors. An empty document is an empty mapping.</summary>
    public static ConfigNode Read(string text, string file)
    {
        var reader = new YamlConfigReader(file);
        try
        {
            return reader.ReadStream(new Parser(new StringReader(text)));
        }
        catch (YamlException error)
        {
            // YamlDotNet's messages start with "(Line: 3, Col: 5, Idx: …) - (Line: …): "; the mark says that already.
            string message = error.Message;
            int dash = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && dash > 0) message = message[(dash + 3)..];
            throw Single(reader.Mark(error.Start), $"YAML syntax: {message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16's scanner throws this (not a YamlException) at the end of an unclosed flow [ or {.
            throw Single(reader._last, "YAML syntax: the document ends inside a [list] or {mapping}; close its bracket.");
        }
    }

    ConfigNode ReadStream(IParser parser)
    {
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _)) return new ConfigMapping([], new SourceMark(_file, 1, 1));
        var start = parser.Consume<DocumentStart>();
        ConfigNode root = parser.Accept<DocumentEnd>(out _) ? new ConfigMapping([], Mark(start.Start)) : ReadNode(parser, 0).Node;
        parser.Consume<DocumentEnd>();
        if (parser.Accept<DocumentStart>(out var second))
            throw Single(Mark(second.Start), "an experiment file holds one YAML document; remove the second '---'.");
        parser.Consume<StreamEnd>();
        return root;
    }

    (ConfigNode Node, int Size) ReadNode(IParser parser, int depth)
    {
        _last = Mark(parser.Current!.Start);
        if (depth > MaxDepth) throw Single(_last, $"nesting deeper than {MaxDepth} levels.");
        (ConfigNode Node, int Size) result;
        string? anchor = null;
        switch (parser.Current)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target)) throw Single(Mark(alias.Start), $"unknown alias *{alias.Value.Value}.");
                Count(target.Size, alias.Start);
                return target;
            case Scalar scalar:
                parser.MoveNext();
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                Count(1, scalar.Start);
                result = (new ConfigScalar(scalar.Value, scalar.Style is ScalarStyle.Plain or ScalarStyle.Any, Mark(scalar.Start)), 1);
                break;
            case SequenceStart sequence:
            {
                parser.MoveNext();
                anchor = sequence.Anchor.IsEmpty ? null : sequence.Anchor.Value;
                Count(1, sequence.Start);
                var items = new List<ConfigNode>();
                int size = 1;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    var (item, itemSize) = ReadNode(parser, depth + 1);
                    items.Add(item);
                    size += itemSize;
                }
                result = (new ConfigSequence(items, Mark(sequence.Start)), size);
                break;
            }
            case MappingStart mapping:
            {
                parser.MoveNext();
                anchor = mapping.Anchor.IsEmpty ? null : mapping.Anchor.Value;
                Count(1, mapping.Start);
                var entries = new List<KeyValuePair<ConfigScalar, ConfigNode>>();
                var seen = new Dictionary<string, SourceMark>(StringComparer.Ordinal);
                int size = 1;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyStart = parser.Current!.Start;
                    var (key, keySize) = ReadNode(parser, depth + 1);
                    if (key is not ConfigScalar scalarKey || scalarKey.IsNull)
                        throw Single(Mark(keyStart), "mapping keys must be plain names.");
                    if (seen.TryGetValue(scalarKey.Text, out var first))
                        throw Single(scalarKey.Mark, $"duplicate key '{scalarKey.Text}' (first at line {first.Line}).");
                    seen[scalarKey.Text] = scalarKey.Mark;
                    var (value, valueSize) = ReadNode(parser, depth + 1);
                    entries.Add(new(scalarKey, value));
                    size += keySize + valueSize;
                }
                result = (new ConfigMapping(entries, Mark(mapping.Start)), size);
                break;
            }
            default:
                throw Single(Mark(parser.Current!.Start), $"unexpected YAML {parser.Current.GetType().Name}.");
        }
        if (anchor is not null) _anchors[anchor] = result;
        return result;
    }

    void Count(int nodes, Mark where)
    {
        _nodes += nodes;
        if (_nodes > MaxNodes) throw Single(Mark(where), $"the document expands to more than {MaxNodes:N0} values (aliases included).");
    }

    SourceMark Mark(Mark mark) => new(_file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    static ExperimentConfigException Single(SourceMark? mark, string message) => new([new ConfigError(mark, "", message)]);
}
