using System.Text;
using System.Text.Json;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

public sealed class SafetensorsRoundTripTests
{
    public static TheoryData<ScalarType> AllDTypes() =>
    [
        ScalarType.Float64, ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int64,
        ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    static Tensor Sample(ScalarType dtype, long[] shape)
    {
        using var values = randn(shape, ScalarType.Float64) * 1000;
        return dtype switch
        {
            ScalarType.Bool => values.gt(0),
            ScalarType.Byte => values.abs().remainder(256).to(dtype),
            ScalarType.Int8 => values.remainder(128).to(dtype),
            _ => values.to(dtype),
        };
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void Every_dtype_round_trips_bit_exactly(ScalarType dtype)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("t.safetensors");
        using var matrix = Sample(dtype, [7, 5]);
        using var cube = Sample(dtype, [2, 3, 4]);
        using var scalar = Sample(dtype, []);
        using var empty = Sample(dtype, [0, 3]);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["m"] = matrix, ["c.x"] = cube, ["s"] = scalar, ["e"] = empty },
            new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("ünïcode ✓", file.Metadata["note"]);
        foreach (var (name, expected) in new[] { ("m", matrix), ("c.x", cube), ("s", scalar), ("e", empty) })
        {
            using var actual = file.Read(name);
            Assert.Equal(dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
        }
    }

    [Fact]
    public void Written_files_follow_the_format_rules()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("t.safetensors");
        using var a = ones(3, ScalarType.Int8);
        using var b = ones(2, 2, ScalarType.Float64);
        using var c = ones(5, ScalarType.BFloat16);
        using var d = ones(1, ScalarType.Float32);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["z.small"] = a, ["y.double"] = b, ["x.half"] = c, ["w.float"] = d });

        byte[] blob = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(blob, 0);
        Assert.Equal(0, (8 + n) % 8);
        string header = Encoding.UTF8.GetString(blob, 8, (int)n);
        Assert.StartsWith("{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));

        using var json = JsonDocument.Parse(header);
        var entries = json.RootElement.EnumerateObject()
            .Select(p => (p.Name, Begin: p.Value.GetProperty("data_offsets")[0].GetInt64(), End: p.Value.GetProperty("data_offsets")[1].GetInt64()))
            .OrderBy(e => e.Begin).ToList();
        // Largest element size first, then by name: every tensor starts aligned to its element size.
        Assert.Equal(["y.double", "w.float", "x.half", "z.small"], entries.Select(e => e.Name));
        long position = 0;
        foreach (var entry in entries)
        {
            Assert.Equal(position, entry.Begin);
            position = entry.End;
        }
        Assert.Equal(blob.Length - 8 - n, position);
        Assert.Equal("F64", json.RootElement.GetProperty("y.double").GetProperty("dtype").GetString());
        Assert.Equal("BF16", json.RootElement.GetProperty("x.half").GetProperty("dtype").GetString());
        Assert.Empty(Directory.GetFiles(directory.Path, "*.partial"));
    }

    [Fact]
    public void A_file_made_by_the_real_library_loads_to_the_values_an_independent_decoder_reads()
    {
        string path = Fixtures.Path("hf", "bert-tiny", "model.safetensors");
        using var golden = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("hf", "bert-tiny", "model.golden.json")));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        var tensors = golden.RootElement.GetProperty("tensors");
        Assert.Equal(tensors.EnumerateObject().Select(t => t.Name).Order(StringComparer.Ordinal), file.Names.Order(StringComparer.Ordinal));
        foreach (var expected in tensors.EnumerateObject())
        {
            using var actual = file.Read(expected.Name);
            Assert.Equal(expected.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), actual.shape);
            var values = actual.to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
            Assert.Equal(expected.Value.GetProperty("first").EnumerateArray().Select(v => v.GetDouble()), values.Take(3));
            Assert.Equal(expected.Value.GetProperty("last").EnumerateArray().Select(v => v.GetDouble()), values.TakeLast(3));
            // The same summation order as the decoder's Python loop, so the double sums agree exactly.
            double sum = 0;
            foreach (var value in values) sum += value;
            Assert.Equal(expected.Value.GetProperty("sum").GetDouble(), sum);
        }
    }

    [Fact]
    public void Reading_converts_dtype_on_request()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("t.safetensors");
        using var source = tensor(new float[] { 1.5f, -2.25f, 3.0f });
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = source });
        using var file = SafetensorsFile.Open(path);
        using var asBf16 = file.Read("w", ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, asBf16.dtype);
        Assert.Equal([1.5f, -2.25f, 3.0f], asBf16.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Sharded_checkpoints_save_an_index_and_load_back()
    {
        using var directory = new TemporaryDirectory();
        var tensors = Enumerable.Range(0, 6).ToDictionary(i => $"layer.{i}.weight", i => randn(10, 10));
        SafetensorsCheckpoint.Save(directory.Path, tensors.ToList(), maxShardBytes: 500);

        Assert.True(File.Exists(directory.File(SafetensorsCheckpoint.IndexFileName)));
        Assert.False(File.Exists(directory.File(SafetensorsCheckpoint.SingleFileName)));
        Assert.Equal(6, Directory.GetFiles(directory.Path, "model-*-of-00006.safetensors").Length);
        using var index = JsonDocument.Parse(File.ReadAllText(directory.File(SafetensorsCheckpoint.IndexFileName)));
        Assert.Equal(6 * 400, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        Assert.Equal("model-00003-of-00006.safetensors", index.RootElement.GetProperty("weight_map").GetProperty("layer.2.weight").GetString());

        using (var checkpoint = SafetensorsCheckpoint.Open(directory.Path))
        {
            Assert.Equal(6, checkpoint.Shards.Count);
            foreach (var (name, expected) in tensors)
            {
                using var actual = checkpoint.Read(name);
                Assert.True(actual.eq(expected).all().item<bool>(), name);
            }
        }

        // Saving again unsharded replaces the shards and the index.
        SafetensorsCheckpoint.Save(directory.Path, tensors.ToList());
        Assert.Equal([SafetensorsCheckpoint.SingleFileName], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
        foreach (var t in tensors.Values) t.Dispose();
    }
}
