using System.Text;
using System.Text.Json.Nodes;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// 10,000 seeded mutations of the fixture checkpoints (and random bytes) opened and read: each opens, or is a
/// <see cref="SafetensorsException"/> naming the file; never another exception, a native crash or a hang.
/// </summary>
/// <remarks>
/// The seeds are the four fixture models with every dimension cut to at most 3 (same names, dtypes, ranks and
/// metadata, a few KB each) so that most mutations land in the header, where the parsing is; one in twenty inputs
/// starts from a full-size fixture instead.
/// </remarks>
[Trait("Category", "Faults")]
public sealed class SafetensorsFuzzTests(ITestOutputHelper output)
{
    const int Inputs = 10_000;
    const int Seed = 20_251_123;

    static readonly string[] Models = ["bert-tiny", "modernbert-cls-tiny", "modernbert-mean-tiny", "xlmr-tiny"];

    /// <summary>A valid file split into its parts, its header parsed once for the structure-aware mutations.</summary>
    sealed record SeedFile(byte[] Bytes, JsonObject Header, byte[] Data);

    [Fact]
    public async Task Mutated_and_random_files_open_or_fail_with_a_safetensors_error_naming_the_file()
    {
        using var harness = new FuzzHarness(output, "safetensors", e => e is SafetensorsException);
        var small = Models.Select(m => Split(Shrunk(harness.Directory, Fixtures.Path("hf", m, "model.safetensors")))).ToArray();
        var full = Models.Select(m => Split(File.ReadAllBytes(Fixtures.Path("hf", m, "model.safetensors")))).ToArray();
        var all = small.Select(s => s.Bytes).ToArray();
        string path = harness.Directory.File("fuzz.safetensors");

        await harness.Run(Inputs, Seed, async random =>
        {
            var seed = random.Next(20) == 0 ? full[random.Next(full.Length)] : small[random.Next(small.Length)];
            var (bytes, what) = Generate(random, seed, all);
            await File.WriteAllBytesAsync(path, bytes);
            int readSeed = random.Next();
            return (what, path, () => OpenAndRead(path, new Random(readSeed)));
        });
        Assert.True(harness.Loaded > Inputs / 100 && harness.Rejected > Inputs / 2, "the mutations should both keep and break files");
    }

    /// <summary>Opens the file and reads up to eight of its tensors, some converted to float32.</summary>
    static void OpenAndRead(string path, Random random)
    {
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(path);
        _ = file.Metadata.Count;
        var names = file.Names.ToArray();
        foreach (var info in file.Tensors) _ = (info.ElementCount, info.ByteCount);
        for (int k = 0; k < Math.Min(8, names.Length); k++)
        {
            string name = names[random.Next(names.Length)];
            _ = file.Describe(name);
            using var tensor = random.Next(4) == 0 ? file.Read(name, ScalarType.Float32) : file.Read(name);
        }
    }

    static (byte[] Bytes, string What) Generate(Random random, SeedFile seed, IReadOnlyList<byte[]> others)
    {
        int choice = random.Next(100);
        if (choice < 35) return (ByteMutations.Mutate(random, seed.Bytes, others), "byte mutation");
        if (choice < 60) return (Assemble(JsonMutations.Mutate(random, seed.Header), seed.Data, random), "header mutation");
        if (choice < 85) return (Assemble(TensorLie(random, seed.Header), seed.Data, random), "tensor entry lie");
        if (choice < 95) return (LengthLie(random, seed), "header length lie");
        return random.Next(2) == 0
            ? (ByteMutations.RandomBytes(random, 4096), "random bytes")
            : (Assemble(ByteMutations.RandomBytes(random, 2048, "{\""), ByteMutations.RandomBytes(random, 256), random), "random header");
    }

    /// <summary>One tensor's dtype, shape or data_offsets changed to a plausible lie.</summary>
    static byte[] TensorLie(Random random, JsonObject header)
    {
        var names = header.Where(e => e.Key != "__metadata__").Select(e => e.Key).ToArray();
        string name = names[random.Next(names.Length)];
        var original = header[name]!;
        var entry = original.DeepClone().AsObject();
        var offsets = entry["data_offsets"]!.AsArray();
        long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
        var other = header[names[random.Next(names.Length)]]!["data_offsets"]!.DeepClone();
        switch (random.Next(12))
        {
            case 0: entry["data_offsets"] = new JsonArray(end, begin); break;
            case 1: entry["data_offsets"] = new JsonArray(begin + 1, end + 1); break;
            case 2: entry["data_offsets"] = new JsonArray(begin, long.MaxValue); break;
            case 3: entry["data_offsets"] = new JsonArray(long.MaxValue - 3, long.MaxValue); break;
            case 4: entry["data_offsets"] = other; break;
            case 5: entry["data_offsets"] = new JsonArray(-4, end); break;
            case 6: entry["shape"] = new JsonArray(0, 4_611_686_018_427_387_904L); break;
            case 7: entry["shape"] = new JsonArray(3_037_000_500L, 3_037_000_500L, 2); break;
            case 8: entry["shape"]!.AsArray().Add(random.Next(3)); break;
            case 9: entry["shape"] = new JsonArray(1.5, "2"); break;
            case 10: entry["dtype"] = new[] { "F64", "F16", "BOOL", "U8", "I64", "F8_E5M2", "f32", "" }[random.Next(8)]; break;
            default: entry.Remove(new[] { "dtype", "shape", "data_offsets" }[random.Next(3)]); break;
        }
        header[name] = entry;
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        header[name] = original;
        return json;
    }

    /// <summary>The seed with its 8-byte header length changed: off by a little, zero, past the end, or huge.</summary>
    static byte[] LengthLie(Random random, SeedFile seed)
    {
        var bytes = (byte[])seed.Bytes.Clone();
        ulong length = BitConverter.ToUInt64(bytes);
        ulong lie = random.Next(6) switch
        {
            0 => length + (ulong)random.Next(1, 16),
            1 => length - (ulong)random.Next(1, 16),
            2 => 0,
            3 => (ulong)bytes.Length,
            4 => ulong.MaxValue - (ulong)random.Next(16),
            _ => (ulong)random.NextInt64(),
        };
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), lie);
        return bytes;
    }

    /// <summary>A file from a header and a data section, sometimes with the data cut short or grown.</summary>
    static byte[] Assemble(byte[] header, byte[] data, Random random)
    {
        int dataLength = random.Next(10) switch { 0 => random.Next(data.Length + 1), 1 => data.Length + random.Next(1, 64), _ => data.Length };
        var bytes = new byte[8 + header.Length + dataLength];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.AsSpan(0, Math.Min(data.Length, dataLength)).CopyTo(bytes.AsSpan(8 + header.Length));
        return bytes;
    }

    static SeedFile Split(byte[] bytes)
    {
        int headerLength = checked((int)BitConverter.ToUInt64(bytes));
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        return new SeedFile(bytes, header, bytes[(8 + headerLength)..]);
    }

    /// <summary>The checkpoint at <paramref name="path"/> with every dimension cut to at most 3, as file bytes.</summary>
    static byte[] Shrunk(TemporaryDirectory directory, string path)
    {
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(path);
        var tensors = file.Names.Select(name =>
        {
            var tensor = file.Read(name);
            for (int d = 0; d < tensor.dim(); d++) tensor = tensor.narrow(d, 0, Math.Min(3, tensor.shape[d]));
            return new KeyValuePair<string, Tensor>(name, tensor.contiguous());
        }).ToList();
        string shrunk = directory.File("seed-" + Path.GetFileName(Path.GetDirectoryName(path)) + ".safetensors");
        SafetensorsWriter.Write(shrunk, tensors, file.Metadata);
        return File.ReadAllBytes(shrunk);
    }
}
