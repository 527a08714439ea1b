using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Normalizers;

/// <summary>
/// sentencepiece's compiled normalization rules (<c>{"type":"Precompiled","precompiled_charsmap": base64}</c>),
/// applied the way HF tokenizers applies them.
/// <para>
/// The charsmap is <c>u32 LE trie_size</c>, <c>trie_size / 4</c> darts-clone double-array units, then the
/// replacement blob (NUL-terminated UTF-8 strings; a leaf's value is a byte index into it). Bytes left over when
/// trie_size is not a multiple of 4 belong to the blob, as in the reference parser.
/// </para>
/// <para>
/// Rule: the text is walked by extended grapheme clusters. A cluster shorter than 6 UTF-8 bytes for which some
/// trie key is a prefix of its bytes is replaced whole by the replacement of the <em>shortest</em> such key (even
/// when that key covers only the cluster's first character; tokenizers does so deliberately, for parity with
/// sentencepiece-era models). Otherwise each character is looked up alone the same way and replaced, or kept
/// when no key matches. A NUL byte ends a lookup without a match.
/// </para>
/// <para>
/// Deliberate differences from tokenizers 0.23.2, which aborts the process in these cases: an empty or null
/// charsmap gives the identity; a trie walk or replacement index that leaves the arrays (only a corrupt charsmap
/// does that) counts as no match; a lone UTF-16 surrogate (impossible in a Rust string) is kept as is.
/// </para>
/// </summary>
public sealed class PrecompiledNormalizer : INormalizer
{
    // A grapheme of this many UTF-8 bytes or more is never looked up whole.
    const int MaxWholeGraphemeBytes = 5;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly uint[] units;
    readonly byte[] blob;

    // Replacements decoded on first use, by blob index; a charsmap has a few thousand at most.
    readonly ConcurrentDictionary<int, string> replacements = new();

    PrecompiledNormalizer(uint[] units, byte[] blob)
    {
        this.units = units;
        this.blob = blob;
    }

    /// <summary>The normalizer that changes nothing (an empty charsmap).</summary>
    public static PrecompiledNormalizer Identity { get; } = new([], []);

    public static PrecompiledNormalizer FromJson(TokenizerJson json)
    {
        var field = json.Optional("precompiled_charsmap");
        if (field is not { } map) return Identity;
        string base64 = map.AsString();
        if (base64.Length == 0) return Identity;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw map.Error("is not valid base64.");
        }
        string? problem = TryParse(bytes, out var normalizer);
        return normalizer ?? throw map.Error(problem!);
    }

    /// <summary>Parses a decoded charsmap; returns null and the normalizer, or the problem.</summary>
    internal static string? TryParse(byte[] charsmap, out PrecompiledNormalizer? normalizer)
    {
        normalizer = null;
        if (charsmap.Length == 0)
        {
            normalizer = Identity;
            return null;
        }
        if (charsmap.Length < 4) return $"charsmap of {charsmap.Length} bytes is shorter than its 4-byte header.";
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(charsmap);
        long unitCount = trieSize / 4;
        if (4 + unitCount * 4 > charsmap.Length)
            return $"charsmap declares a trie of {trieSize} bytes but only {charsmap.Length - 4} bytes follow the header.";
        if (unitCount == 0) return "charsmap has an empty trie.";
        var units = new uint[unitCount];
        for (int i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(charsmap.AsSpan(4 + 4 * i));
        byte[] blob = charsmap[(int)(4 + unitCount * 4)..];
        try
        {
            StrictUtf8.GetCharCount(blob);
        }
        catch (DecoderFallbackException)
        {
            return "charsmap replacement strings are not valid UTF-8.";
        }
        normalizer = new PrecompiledNormalizer(units, blob);
        return null;
    }

    public string Normalize(string text)
    {
        if (units.Length == 0 || text.Length == 0) return text;
        StringBuilder? output = null;
        int copied = 0; // text[..copied] is already in output
        Span<byte> utf8 = stackalloc byte[16];
        int position = 0;
        while (position < text.Length)
        {
            int length = GraphemeLength(text, position);
            var grapheme = text.AsSpan(position, length);

            // Whole-grapheme lookup. A cluster of more than 5 UTF-16 units has more than 5 UTF-8 bytes, so only
            // short clusters are encoded (at most 15 bytes, within the buffer).
            if (length <= MaxWholeGraphemeBytes
                && System.Text.Unicode.Utf8.FromUtf16(grapheme, utf8, out _, out int written, replaceInvalidSequences: false)
                    == System.Buffers.OperationStatus.Done
                && written <= MaxWholeGraphemeBytes)
            {
                int index = Lookup(utf8[..written]);
                if (index >= 0)
                {
                    Replace(ref output, text, ref copied, position, length, index);
                    position += length;
                    continue;
                }
            }

            // Character by character.
            int end = position + length;
            while (position < end)
            {
                if (Rune.DecodeFromUtf16(text.AsSpan(position, end - position), out var rune, out int consumed)
                    == System.Buffers.OperationStatus.Done)
                {
                    int index = Lookup(utf8[..rune.EncodeToUtf8(utf8)]);
                    if (index >= 0) Replace(ref output, text, ref copied, position, consumed, index);
                }
                position += Math.Max(consumed, 1);
            }
        }
        if (output is null) return text;
        output.Append(text, copied, text.Length - copied);
        return output.ToString();
    }

    void Replace(ref StringBuilder? output, string text, ref int copied, int start, int length, int blobIndex)
    {
        output ??= new StringBuilder(text.Length + 16);
        output.Append(text, copied, start - copied);
        output.Append(ReplacementAt(blobIndex));
        copied = start + length;
    }

    /// <summary>
    /// Length in UTF-16 units of the extended grapheme cluster at <paramref name="position"/>. ASCII followed by
    /// ASCII is always a cluster boundary except CR LF, which skips the (costlier) segmentation for most text.
    /// </summary>
    static int GraphemeLength(string text, int position)
    {
        char c = text[position];
        if (c < 0x80 && (position + 1 == text.Length || (text[position + 1] < 0x80 && !(c == '\r' && text[position + 1] == '\n'))))
            return 1;
        return StringInfo.GetNextTextElementLength(text.AsSpan(position));
    }

    /// <summary>
    /// Common-prefix search of the double array, returning the blob index of the first (shortest) key that is a
    /// prefix of <paramref name="key"/>, or -1.
    /// </summary>
    int Lookup(ReadOnlySpan<byte> key)
    {
        uint node = Offset(units[0]);
        foreach (byte b in key)
        {
            if (b == 0) return -1;
            node ^= b;
            if (node >= (uint)units.Length) return -1;
            uint unit = units[node];
            if ((unit & 0x800000FFu) != b) return -1;
            node ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
                return node < (uint)units.Length ? (int)(units[node] & 0x7FFFFFFFu) : -1;
        }
        return -1;
    }

    static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    /// <summary>The NUL-terminated replacement starting at <paramref name="index"/> (empty when out of range or
    /// not at a character boundary, which only a corrupt charsmap produces).</summary>
    string ReplacementAt(int index) => replacements.GetOrAdd(index, static (i, b) =>
    {
        if (i >= b.Length || (b[i] & 0xC0) == 0x80) return "";
        int end = Array.IndexOf(b, (byte)0, i);
        if (end < 0) end = b.Length;
        return Encoding.UTF8.GetString(b, i, end - i);
    }, blob);
}
