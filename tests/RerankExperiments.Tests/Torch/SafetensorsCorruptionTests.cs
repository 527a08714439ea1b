using System.Text;
using RerankExperiments.Tests.Support;
using RerankExperiments.Torch.Safetensors;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Torch;

/// <summary>Truncated, corrupt and lying files are rejected with a SafetensorsException naming file and tensor.</summary>
[Trait("Category", "Faults")]
public sealed class SafetensorsCorruptionTests : IDisposable
{
    readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>A file with the given raw header and data bytes.</summary>
    string Craft(string header, int dataBytes, string name = "crafted.safetensors", long? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var blob = new byte[8 + json.Length + dataBytes];
        BitConverter.TryWriteBytes(blob.AsSpan(0, 8), declaredLength ?? json.Length);
        json.CopyTo(blob, 8);
        string path = _directory.File(name);
        File.WriteAllBytes(path, blob);
        return path;
    }

    SafetensorsException Rejected(string path)
    {
        var error = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(Path.GetFullPath(path), error.FilePath);
        Assert.Contains(Path.GetFullPath(path), error.Message);
        return error;
    }

    string Valid()
    {
        string path = _directory.File("valid.safetensors");
        using var a = ones(4, 4);
        using var b = zeros(3, ScalarType.Int64);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        return path;
    }

    [Fact]
    public void Truncated_data_is_rejected_naming_the_tensor()
    {
        string path = Valid();
        byte[] blob = File.ReadAllBytes(path);
        File.WriteAllBytes(path, blob[..^10]);
        var error = Rejected(path);
        Assert.Equal("a", error.TensorName);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Truncated_header_is_rejected()
    {
        string path = Valid();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);
        Assert.Contains("truncated", Rejected(path).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Files_too_short_for_the_length_prefix_are_rejected(int length)
    {
        string path = _directory.File("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        Assert.Contains("8-byte header length", Rejected(path).Message);
    }

    [Fact]
    public void A_huge_declared_header_is_rejected_before_anything_is_allocated()
    {
        string path = Craft("{}", 0, declaredLength: long.MaxValue);
        Assert.Contains("limit", Rejected(path).Message);
    }

    [Fact]
    public void A_header_that_is_not_json_is_rejected()
    {
        Assert.Contains("not a JSON object", Rejected(Craft("PK\u0003\u0004 zip?", 0)).Message);
        Assert.Contains("not valid", Rejected(Craft("{\"a\": {\"dtype\": ", 0, "cut.safetensors")).Message);
    }

    [Fact]
    public void Invalid_utf8_in_the_header_is_rejected()
    {
        string path = Craft("{\"a\":1}", 0);
        byte[] blob = File.ReadAllBytes(path);
        blob[10] = 0xFF;
        File.WriteAllBytes(path, blob);
        Assert.Contains("UTF-8", Rejected(path).Message);
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_byte_count_is_rejected()
    {
        var error = Rejected(Craft("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}""", 20));
        Assert.Equal("w", error.TensorName);
        Assert.Contains("needs 24 bytes", error.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        var error = Rejected(Craft("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12));
        Assert.Equal("b", error.TensorName);
        Assert.Contains("overlap tensor 'a'", error.Message);
    }

    [Fact]
    public void Gaps_and_trailing_bytes_are_rejected()
    {
        Assert.Contains("gap", Rejected(Craft("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)).Message);
        Assert.Contains("trailing", Rejected(Craft("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 9, "trail.safetensors")).Message);
    }

    [Fact]
    public void Offsets_past_the_end_of_the_file_are_rejected()
    {
        var error = Rejected(Craft("""{"a":{"dtype":"U8","shape":[100],"data_offsets":[0,100]}}""", 10));
        Assert.Equal("a", error.TensorName);
        Assert.Contains("past the end", error.Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", "not supported")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "not a valid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", "not a valid")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,{"end":4}]}}""", "not a valid")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", "dtype")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", "shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", "data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", "too large")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "twice")]
    public void Lying_or_malformed_tensor_entries_are_rejected_naming_the_tensor(string header, string problem)
    {
        var error = Rejected(Craft(header, 8));
        Assert.Equal("a", error.TensorName);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Metadata_must_be_strings()
    {
        Assert.Contains("not a string", Rejected(Craft("""{"__metadata__":{"n":1}}""", 0)).Message);
    }

    [Fact]
    public void A_missing_file_is_a_safetensors_error_not_a_crash()
    {
        Assert.Contains("cannot be opened", Rejected(_directory.File("absent.safetensors")).Message);
    }

    [Fact]
    public void Reading_an_absent_tensor_names_it()
    {
        using var file = SafetensorsFile.Open(Valid());
        var error = Assert.Throws<SafetensorsException>(() => file.Read("nope"));
        Assert.Equal("nope", error.TensorName);
    }

    [Fact]
    public void A_sharded_index_that_lies_is_rejected()
    {
        using var directory = new TemporaryDirectory();
        var tensors = new Dictionary<string, Tensor> { ["a"] = ones(100), ["b"] = ones(100) };
        SafetensorsCheckpoint.Save(directory.Path, tensors.ToList(), maxShardBytes: 400);
        string index = directory.File(SafetensorsCheckpoint.IndexFileName);
        string original = File.ReadAllText(index);

        File.WriteAllText(index, original.Replace("model-00002-of-00002", "model-00009-of-00002"));
        var missingShard = Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(directory.Path).Dispose());
        Assert.Equal("b", missingShard.TensorName);
        Assert.Contains("does not exist", missingShard.Message);

        File.WriteAllText(index, original.Replace("model-00002-of-00002", "model-00001-of-00002"));
        var wrongShard = Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(directory.Path).Dispose());
        Assert.Equal("b", wrongShard.TensorName);
        Assert.Contains("missing from this shard", wrongShard.Message);

        File.WriteAllText(index, "{ not json");
        Assert.Contains("not valid JSON", Assert.Throws<SafetensorsException>(() => SafetensorsCheckpoint.Open(directory.Path).Dispose()).Message);
        foreach (var t in tensors.Values) t.Dispose();
    }
}
