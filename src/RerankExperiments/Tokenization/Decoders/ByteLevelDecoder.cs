using System.Text;
using RerankExperiments.Tokenization.Loading;
using RerankExperiments.Tokenization.PreTokenizers;

namespace RerankExperiments.Tokenization.Decoders;

/// <summary>
/// <c>{"type":"ByteLevel",...}</c> as a decoder: each token made only of byte-alphabet characters turns into those
/// bytes, any other token into its own UTF-8 bytes; the concatenated bytes are decoded as UTF-8 with each invalid
/// sequence replaced by U+FFFD (as Rust's <c>from_utf8_lossy</c>, which .NET's decoder matches).
/// </summary>
public sealed class ByteLevelDecoder : IDecoder
{
    public static readonly ByteLevelDecoder Instance = new();

    ByteLevelDecoder() { }

    public static ByteLevelDecoder FromJson(TokenizerJson json) => Instance;

    public string Decode(IReadOnlyList<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (string token in tokens)
        {
            int before = bytes.Count;
            bool allInAlphabet = true;
            foreach (char c in token)
            {
                if (!ByteLevelAlphabet.TryToByte(c, out byte b)) { allInAlphabet = false; break; }
                bytes.Add(b);
            }
            if (allInAlphabet) continue;
            bytes.RemoveRange(before, bytes.Count - before);
            bytes.AddRange(Encoding.UTF8.GetBytes(token));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
