using System.CommandLine;
using System.Text;
using System.Text.Json;
using RerankExperiments.Tokenization;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// `rerank tokenize TOKENIZER`: reads JSONL lines {"text": ...} or {"text": ..., "text_pair": ...} on stdin and
/// writes one line {"input_ids", "token_type_ids", "attention_mask"} per input line, in order. Without
/// --max-length the tokenizer's model_max_length applies (as in transformers).
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerPath = new Argument<string>("tokenizer") { Description = "A tokenizer.json, a model directory, or a BERT vocab.txt." };
        var maxLength = new Option<int?>("--max-length") { Description = "Truncate to this many tokens, special tokens included." };
        var strategy = new Option<string>("--truncation") { Description = "longest_first, only_first or only_second.", DefaultValueFactory = _ => "longest_first" };
        var command = new Command("tokenize", "Encode JSONL texts or pairs from stdin to token ids on stdout.") { tokenizerPath, maxLength, strategy };
        command.SetAction(result => Run(result.GetValue(tokenizerPath)!, result.GetValue(maxLength), result.GetValue(strategy)!, Console.In, Console.Out, Console.Error));
        return command;
    }

    public static int Run(string tokenizerPath, int? maxLength, string strategyName, TextReader input, TextWriter output, TextWriter errors)
    {
        Tokenizer tokenizer;
        TruncationStrategy strategy;
        try
        {
            strategy = TruncationOptions.ParseStrategy(strategyName);
            tokenizer = TokenizerLoader.Load(tokenizerPath);
        }
        catch (Exception error) when (error is TokenizerFormatException or FormatException)
        {
            errors.WriteLine($"error: {error.Message}");
            return 2;
        }
        int? limit = maxLength ?? tokenizer.ModelMaxLength;
        var truncation = limit is { } l ? new TruncationOptions(l, strategy) : null;

        int lineNumber = 0;
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            TextInput text;
            try
            {
                text = ParseLine(line);
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                errors.WriteLine($"error: stdin line {lineNumber}: {error.Message}");
                return 2;
            }
            try
            {
                Write(output, tokenizer.Encode(text, truncation));
            }
            catch (TokenizationException error)
            {
                errors.WriteLine($"error: stdin line {lineNumber}: {error.Message}");
                return 1;
            }
        }
        output.Flush();
        return 0;
    }

    static TextInput ParseLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object with \"text\".");
        if (!root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            throw new FormatException("expected a string field \"text\".");
        string? pair = null;
        if (root.TryGetProperty("text_pair", out var second) && second.ValueKind != JsonValueKind.Null)
            pair = second.ValueKind == JsonValueKind.String ? second.GetString() : throw new FormatException("\"text_pair\" must be a string.");
        return new TextInput(text.GetString()!, pair);
    }

    static void Write(TextWriter output, EncodedText encoded)
    {
        var line = new StringBuilder(encoded.Length * 12 + 64);
        line.Append("{\"input_ids\":[").AppendJoin(',', encoded.InputIds)
            .Append("],\"token_type_ids\":[").AppendJoin(',', encoded.TokenTypeIds)
            .Append("],\"attention_mask\":[").AppendJoin(',', encoded.AttentionMask).Append("]}");
        output.WriteLine(line.ToString());
    }
}
