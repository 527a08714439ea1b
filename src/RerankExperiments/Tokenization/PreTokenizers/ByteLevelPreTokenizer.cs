using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// <c>{"type":"ByteLevel","add_prefix_space":bool,"trim_offsets":bool,"use_regex":bool}</c>: with
/// <c>add_prefix_space</c>, a non-empty piece not starting with an ASCII space gets one prepended (every piece, as
/// tokenizers does); with <c>use_regex</c> (default true) the piece is split by GPT-2's pattern (isolated);
/// finally each sub-piece's UTF-8 bytes are rewritten as <see cref="ByteLevelAlphabet"/> characters.
/// <c>trim_offsets</c> only concerns offsets, which this project does not produce.
/// </summary>
public sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public bool AddPrefixSpace { get; } = addPrefixSpace;
    public bool UseRegex { get; } = useRegex;

    public static ByteLevelPreTokenizer FromJson(TokenizerJson json)
    {
        json.Bool("trim_offsets", true); // validated for type, otherwise unused
        return new(json.Bool("add_prefix_space", true), json.Bool("use_regex", true));
    }

    public void Split(Piece piece, List<Piece> output)
    {
        string text = piece.Text;
        if (text.Length == 0) return;
        if (AddPrefixSpace && text[0] != ' ') text = " " + text;

        if (!UseRegex)
        {
            output.Add(new Piece(ToAlphabet(text), piece.AtStart));
            return;
        }
        var matches = Gpt2Pattern.Matches(text);
        for (int m = 0; m < matches.Count; m++)
        {
            var (start, end) = matches[m];
            // The prepended space maps to original offset 0, so the first match stays at the start.
            output.Add(new Piece(ToAlphabet(text[start..end]), piece.AtStart && m == 0));
        }
    }

    /// <summary>Rewrites the UTF-8 bytes of <paramref name="text"/> as byte-alphabet characters (lone surrogates encode as U+FFFD).</summary>
    internal static string ToAlphabet(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++) chars[i] = ByteLevelAlphabet.ToChar(b[i]);
        });
    }
}
