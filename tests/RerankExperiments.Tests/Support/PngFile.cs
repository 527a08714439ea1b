using System.Buffers.Binary;

namespace RerankExperiments.Tests.Support;

/// <summary>Checks that bytes are a PNG image: the signature, then an IHDR chunk with the expected size.</summary>
public static class PngFile
{
    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static void AssertValid(byte[] png, int width, int height)
    {
        Assert.True(png.Length > 1000, $"a {png.Length}-byte PNG is too small to hold a chart");
        Assert.Equal(Signature, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}
