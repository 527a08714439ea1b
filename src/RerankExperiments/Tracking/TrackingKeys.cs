using System.Text;

namespace RerankExperiments.Tracking;

/// <summary>
/// MLflow's rules for metric, param and tag keys and values (mlflow/utils/validation.py): keys of at most 250
/// characters from <c>[/\w.\- :]</c>, path-normal; param values up to 6000 characters, tag values up to 8000.
/// </summary>
public static class TrackingKeys
{
    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 8000;

    /// <summary>Whether MLflow accepts <paramref name="key"/> as a metric, param or tag key.</summary>
    public static bool IsValid(string key)
    {
        if (key.Length == 0 || key.Length > MaxKeyLength || key == "." || key.StartsWith('/') || key.EndsWith('/')
            || key.Contains("//", StringComparison.Ordinal) || key.Split('/').Any(part => part is ".." or "."))
            return false;
        return key.All(IsKeyChar);
    }

    /// <summary>
    /// A valid key made from any text: characters MLflow rejects become '_', slashes are normalized, and an
    /// over-long key is cut. Valid keys come back unchanged.
    /// </summary>
    public static string Sanitize(string key)
    {
        if (IsValid(key)) return key;
        var text = new StringBuilder(key.Length);
        foreach (char c in key) text.Append(IsKeyChar(c) ? c : '_');
        var parts = text.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p is "." or ".." ? "_" : p);
        string joined = string.Join('/', parts);
        if (joined.Length == 0) joined = "_";
        return joined.Length > MaxKeyLength ? joined[..MaxKeyLength] : joined;
    }

    /// <summary>A param or tag value cut to <paramref name="max"/> characters (ending in "…") when longer.</summary>
    public static string Truncate(string value, int max) => value.Length <= max ? value : value[..(max - 1)] + "…";

    static bool IsKeyChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '/' or '.' or '-' or ' ' or ':';
}
