using System.Text.Json;

namespace RerankExperiments.Tokenization.Loading;

/// <summary>
/// A JSON value of a tokenizer file with its path, for typed reads whose errors name the file and the field.
/// </summary>
public readonly struct TokenizerJson(JsonElement element, string file, string path)
{
    public JsonElement Element { get; } = element;
    public string File { get; } = file;
    public string Path { get; } = path;

    public JsonValueKind Kind => Element.ValueKind;

    public TokenizerFormatException Error(string problem) => new(File, Path, problem);

    string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    /// <summary>The member <paramref name="name"/>, or null when absent or JSON null.</summary>
    public TokenizerJson? Optional(string name)
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Describe(Element)}");
        return Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new TokenizerJson(value, File, Child(name))
            : null;
    }

    /// <summary>The member <paramref name="name"/>; an error naming it when absent.</summary>
    public TokenizerJson Required(string name) => Optional(name) ?? throw new TokenizerFormatException(File, Child(name), "is missing");

    public string String(string name) => Required(name).AsString();
    public string? OptionalString(string name) => Optional(name)?.AsString();
    public bool Bool(string name, bool fallback) => Optional(name)?.AsBool() ?? fallback;
    public int Int(string name, int fallback) => Optional(name)?.AsInt() ?? fallback;
    public double Double(string name, double fallback) => Optional(name)?.AsDouble() ?? fallback;

    public string AsString()
    {
        if (Element.ValueKind != JsonValueKind.String) throw Error($"expected a string, found {Describe(Element)}");
        try
        {
            return Element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses a lone surrogate escape such as "\ud800" only when the string is read.
            throw Error("the string is not valid Unicode (a lone surrogate escape such as \\ud800).");
        }
    }
    public bool AsBool() => Element.ValueKind is JsonValueKind.True or JsonValueKind.False ? Element.GetBoolean() : throw Error($"expected true or false, found {Describe(Element)}");
    public int AsInt() => Element.ValueKind == JsonValueKind.Number && Element.TryGetInt32(out int value) ? value : throw Error($"expected an integer, found {Describe(Element)}");
    public double AsDouble() => Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out double value) && double.IsFinite(value)
        ? value : throw Error($"expected a finite number, found {Describe(Element)}");

    /// <summary>The elements of an array.</summary>
    public IEnumerable<TokenizerJson> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array) throw Error($"expected an array, found {Describe(Element)}");
        int index = 0;
        foreach (var item in Element.EnumerateArray()) yield return new TokenizerJson(item, File, $"{Path}[{index++}]");
    }

    /// <summary>The members of an object.</summary>
    public IEnumerable<(string Name, TokenizerJson Value)> Members()
    {
        if (Element.ValueKind != JsonValueKind.Object) throw Error($"expected an object, found {Describe(Element)}");
        foreach (var member in Element.EnumerateObject())
        {
            string name;
            try
            {
                name = member.Name;
            }
            catch (InvalidOperationException)
            {
                throw Error("a member name is not valid Unicode (a lone surrogate escape such as \\ud800).");
            }
            yield return (name, new TokenizerJson(member.Value, File, Child(name)));
        }
    }

    /// <summary>The component's <c>type</c> tag.</summary>
    public string Type => String("type");

    /// <summary>The error for a component type this project does not implement.</summary>
    public TokenizerFormatException Unsupported(string stage, IEnumerable<string> supported) =>
        new(File, Child("type"), $"{stage} type '{Type}' is not supported (supported: {string.Join(", ", supported)}).");

    static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string {Truncate(element.GetRawText())}",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };

    static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
