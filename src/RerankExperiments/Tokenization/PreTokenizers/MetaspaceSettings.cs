using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>Where Metaspace prepends its replacement character.</summary>
public enum PrependScheme
{
    /// <summary>To every piece that does not already start with it.</summary>
    Always,
    /// <summary>Only to the piece at the start of the sequence (not to text after an added token).</summary>
    First,
    /// <summary>Nowhere.</summary>
    Never,
}

/// <summary>
/// The JSON shared by the Metaspace pre-tokenizer and decoder:
/// <c>{"replacement":"▁","prepend_scheme":"always"|"first"|"never","split":true}</c>.
/// As in tokenizers: <c>replacement</c> is required and is exactly one Unicode character; <c>prepend_scheme</c>
/// defaults to always; legacy <c>add_prefix_space: false</c> means never and is an error beside any other
/// declared (or defaulted) scheme, <c>add_prefix_space: true</c> leaves the scheme as declared; <c>split</c>
/// defaults to true; legacy <c>str_rep</c> is ignored.
/// </summary>
public sealed record MetaspaceSettings(string Replacement, PrependScheme PrependScheme, bool Split)
{
    public static MetaspaceSettings FromJson(TokenizerJson json)
    {
        var replacementJson = json.Required("replacement");
        string replacement = replacementJson.AsString();
        if (Rune.DecodeFromUtf16(replacement, out _, out int consumed) != System.Buffers.OperationStatus.Done || consumed != replacement.Length)
            throw replacementJson.Error("expected exactly one character.");

        var scheme = PrependScheme.Always;
        if (json.Optional("prepend_scheme") is { } schemeJson)
        {
            scheme = schemeJson.AsString() switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                var other => throw schemeJson.Error($"unknown prepend_scheme '{other}' (expected always, first or never)."),
            };
        }
        if (json.Optional("add_prefix_space") is { } addPrefixSpace && !addPrefixSpace.AsBool())
        {
            if (scheme != PrependScheme.Never) throw addPrefixSpace.Error("add_prefix_space false does not match the prepend_scheme.");
        }
        _ = json.OptionalString("str_rep"); // type-checked as tokenizers does, otherwise unused
        return new MetaspaceSettings(replacement, scheme, json.Bool("split", true));
    }
}
