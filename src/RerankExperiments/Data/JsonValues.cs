using System.Text.Json;

namespace RerankExperiments.Data;

/// <summary>Turns parsed JSON (a JSONL line, a JSON array element, a CSV list cell) into <see cref="DataRow"/> values.</summary>
static class JsonValues
{
    public static Dictionary<string, object?> Object(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, found {element.ValueKind}.");
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        // A repeated key keeps its last value, as Python's json module (which wrote most of these files) does.
        foreach (var property in element.EnumerateObject()) values[property.Name] = Value(property.Value);
        return values;
    }

    public static object? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Array => element.EnumerateArray().Select(Value).ToList(),
        _ => new UnsupportedValue("JSON object"),
    };
}
