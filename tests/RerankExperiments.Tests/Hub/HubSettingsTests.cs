using RerankExperiments.Hub;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Hub;

public sealed class HubSettingsTests
{
    private static HubSettings From(params (string Name, string Value)[] variables) =>
        HubSettings.FromEnvironment(variables.ToDictionary(variable => variable.Name, variable => variable.Value));

    [Fact]
    public void Defaults_follow_home_and_the_public_endpoint()
    {
        var settings = From(("HOME", "/home/u"));

        Assert.Equal("https://huggingface.co", settings.Endpoint);
        Assert.Equal("/home/u/.cache/huggingface/hub", settings.CacheRoot);
        Assert.Null(settings.Token);
        Assert.False(settings.Offline);
    }

    [Fact]
    public void Cache_root_precedence_is_hf_hub_cache_then_hf_home_then_xdg()
    {
        Assert.Equal("/x/hub-cache", From(("HOME", "/h"), ("HF_HUB_CACHE", "/x/hub-cache"), ("HF_HOME", "/x/home"), ("XDG_CACHE_HOME", "/x/xdg")).CacheRoot);
        Assert.Equal("/x/legacy", From(("HOME", "/h"), ("HUGGINGFACE_HUB_CACHE", "/x/legacy"), ("HF_HOME", "/x/home")).CacheRoot);
        Assert.Equal("/x/home/hub", From(("HOME", "/h"), ("HF_HOME", "/x/home"), ("XDG_CACHE_HOME", "/x/xdg")).CacheRoot);
        Assert.Equal("/x/xdg/huggingface/hub", From(("HOME", "/h"), ("XDG_CACHE_HOME", "/x/xdg")).CacheRoot);
        Assert.Equal("/h/models/hub", From(("HOME", "/h"), ("HF_HOME", "~/models")).CacheRoot);
        Assert.Equal("/h/.cache/huggingface/hub", From(("HOME", "/h"), ("HF_HUB_CACHE", "")).CacheRoot);
    }

    [Fact]
    public void Token_precedence_is_hf_token_then_the_legacy_variable_then_the_token_file()
    {
        using var home = new TemporaryDirectory();
        File.WriteAllText(home.File("token"), "hf_from_file\n");

        Assert.Equal("hf_new", From(("HF_HOME", home.Path), ("HF_TOKEN", "hf_new"), ("HUGGING_FACE_HUB_TOKEN", "hf_old")).Token);
        Assert.Equal("hf_old", From(("HF_HOME", home.Path), ("HUGGING_FACE_HUB_TOKEN", "hf_old")).Token);
        Assert.Equal("hf_from_file", From(("HF_HOME", home.Path)).Token);
        Assert.Equal("hf_from_file", From(("HF_HOME", home.Path), ("HF_TOKEN", "")).Token);
        Assert.Null(From(("HF_HOME", Path.Combine(home.Path, "elsewhere"))).Token);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("offline", false)]
    public void Offline_accepts_the_huggingface_truthy_values(string value, bool offline)
    {
        Assert.Equal(offline, From(("HOME", "/h"), ("HF_HUB_OFFLINE", value)).Offline);
        Assert.Equal(offline, From(("HOME", "/h"), ("TRANSFORMERS_OFFLINE", value)).Offline);
    }

    [Fact]
    public void Hf_hub_offline_when_set_decides_over_transformers_offline()
    {
        Assert.False(From(("HOME", "/h"), ("HF_HUB_OFFLINE", "0"), ("TRANSFORMERS_OFFLINE", "1")).Offline);
    }

    [Trait("Category", "Faults")]
    [Fact]
    public void Endpoint_loses_its_trailing_slash_and_the_token_stays_out_of_tostring()
    {
        var settings = From(("HOME", "/h"), ("HF_ENDPOINT", "http://mirror.local:8080/"), ("HF_TOKEN", "hf_secret"));

        Assert.Equal("http://mirror.local:8080", settings.Endpoint);
        Assert.DoesNotContain("hf_secret", settings.ToString(), StringComparison.Ordinal);
    }
}
