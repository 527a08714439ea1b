using System.Text.Json;

namespace RerankExperiments.Cli.Commands;

/// <summary>
/// Reads a JSON Lines input of a command (a file, or stdin for "-"): blank lines skipped, each other line parsed by
/// <c>parse</c>; any malformed line is an <see cref="InputException"/> naming path:line.
/// </summary>
public static class JsonlInput
{
    public static List<T> Read<T>(string path, Func<JsonElement, T> parse)
    {
        var rows = new List<T>();
        using var reader = path == "-" ? new StreamReader(Console.OpenStandardInput()) : new StreamReader(path);
        int number = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            if (line.Trim().Length == 0) continue;
            try
            {
                using var row = JsonDocument.Parse(line);
                rows.Add(parse(row.RootElement));
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                throw new InputException($"{path}:{number}: {error.Message}");
            }
        }
        return rows;
    }

    /// <summary>A string member, or a <see cref="FormatException"/> naming it.</summary>
    public static string String(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"\"{name}\" must be a string");
}
