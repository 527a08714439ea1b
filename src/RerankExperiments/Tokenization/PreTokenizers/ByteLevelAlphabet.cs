namespace RerankExperiments.Tokenization.PreTokenizers;

/// <summary>
/// GPT-2's bytes_to_unicode table: bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF stand for themselves; the other 68
/// bytes, in increasing order, take U+0100, U+0101, … (so a space is 'Ġ' U+0120), making every byte a printable char.
/// </summary>
internal static class ByteLevelAlphabet
{
    static readonly char[] byteToChar = BuildTable();
    static readonly Dictionary<char, byte> charToByte = Enumerable.Range(0, 256).ToDictionary(b => byteToChar[b], b => (byte)b);

    /// <summary>The alphabet character standing for <paramref name="value"/>.</summary>
    public static char ToChar(byte value) => byteToChar[value];

    /// <summary>The byte an alphabet character stands for; false for characters outside the alphabet.</summary>
    public static bool TryToByte(char c, out byte value) => charToByte.TryGetValue(c, out value);

    static char[] BuildTable()
    {
        var table = new char[256];
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
