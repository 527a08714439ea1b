using System.Text;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Format-blind mutations of a valid file, as a fuzzer makes them: bit flips, bytes inserted, deleted, duplicated
/// or spliced from another file, truncation, invalid UTF-8, numbers swapped for huge or negative ones, deep nesting.
/// Each call applies one to four of them; the same <see cref="Random"/> state gives the same bytes.
/// </summary>
public static class ByteMutations
{
    /// <summary>Bytes that are not UTF-8: a lone continuation byte, an overlong NUL, a surrogate, a cut sequence, 0xFF.</summary>
    static readonly byte[][] InvalidUtf8 = [[0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF], [0xF5, 0x80, 0x80, 0x80]];

    /// <summary>Bytes that mean something to JSON and YAML parsers.</summary>
    static readonly byte[] Structural = "{}[]\",:-0 9\n\t\\'&*!#|>%@`"u8.ToArray();

    /// <summary>Numbers that break naive size and offset arithmetic.</summary>
    static readonly string[] HugeNumbers =
    [
        "-1", "0", "18446744073709551615", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "4294967296", "2147483648", "1e308", "1e999", "-0", "0.5", "NaN", "1" + new string('0', 400),
    ];

    public static byte[] Mutate(Random random, byte[] input, IReadOnlyList<byte[]> others)
    {
        var bytes = new List<byte>(input);
        int steps = 1 + random.Next(4);
        for (int step = 0; step < steps; step++) Apply(random, bytes, others);
        return bytes.ToArray();
    }

    /// <summary>Purely random bytes, sometimes behind a plausible first byte so that parsers get past it.</summary>
    public static byte[] RandomBytes(Random random, int maxLength, string? start = null)
    {
        var bytes = new byte[random.Next(maxLength + 1)];
        random.NextBytes(bytes);
        if (start is not null && bytes.Length > 0) Encoding.UTF8.GetBytes(start).AsSpan(0, Math.Min(start.Length, bytes.Length)).CopyTo(bytes);
        return bytes;
    }

    static void Apply(Random random, List<byte> bytes, IReadOnlyList<byte[]> others)
    {
        int At(int extra = 0) => random.Next(bytes.Count + extra);
        switch (random.Next(10))
        {
            case 0 when bytes.Count > 0:
                for (int flips = 1 + random.Next(8); flips > 0; flips--)
                {
                    int position = At();
                    bytes[position] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 1 when bytes.Count > 0:
                for (int sets = 1 + random.Next(4); sets > 0; sets--) bytes[At()] = Structural[random.Next(Structural.Length)];
                break;
            case 2:
            {
                var inserted = new byte[1 + random.Next(64)];
                random.NextBytes(inserted);
                bytes.InsertRange(At(1), inserted);
                break;
            }
            case 3 when bytes.Count > 0:
            {
                int start = At();
                bytes.RemoveRange(start, Math.Min(bytes.Count - start, 1 + random.Next(256)));
                break;
            }
            case 4 when bytes.Count > 0:
            {
                int cut = At();
                bytes.RemoveRange(cut, bytes.Count - cut);
                break;
            }
            case 5 when bytes.Count > 0:
            {
                int start = At(), length = Math.Min(bytes.Count - start, 1 + random.Next(512));
                bytes.InsertRange(At(1), bytes.GetRange(start, length));
                break;
            }
            case 6 when others.Count > 0:
            {
                var other = others[random.Next(others.Count)];
                int cut = At(1), from = random.Next(other.Length + 1);
                bytes.RemoveRange(cut, bytes.Count - cut);
                bytes.AddRange(other.AsSpan(from).ToArray());
                break;
            }
            case 7:
                bytes.InsertRange(At(1), InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                break;
            case 8:
                ReplaceNumber(random, bytes);
                break;
            default:
            {
                int depth = 50 + random.Next(5000);
                string opener = random.Next(3) switch { 0 => "[", 1 => "{\"a\":", _ => "- " };
                bytes.InsertRange(At(1), Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(opener, depth))));
                break;
            }
        }
    }

    /// <summary>Replaces a run of digits (found from a random start) with a number from <see cref="HugeNumbers"/>.</summary>
    static void ReplaceNumber(Random random, List<byte> bytes)
    {
        if (bytes.Count == 0) return;
        int start = random.Next(bytes.Count);
        while (start < bytes.Count && !char.IsAsciiDigit((char)bytes[start])) start++;
        if (start == bytes.Count) return;
        int end = start;
        while (end < bytes.Count && char.IsAsciiDigit((char)bytes[end])) end++;
        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.ASCII.GetBytes(HugeNumbers[random.Next(HugeNumbers.Length)]));
    }
}
