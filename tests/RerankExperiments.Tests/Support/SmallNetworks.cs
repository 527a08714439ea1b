using static TorchSharp.torch;

namespace RerankExperiments.Tests.Support;

/// <summary>Small networks and data for optimizer and precision tests.</summary>
public static class SmallNetworks
{
    /// <summary>16 → 32 → LayerNorm → 1 MLP with Hugging Face-style names (dense.weight, LayerNorm.bias, ...).</summary>
    public static nn.Module<Tensor, Tensor> Mlp(int inputs = 16, int hidden = 32) =>
        nn.Sequential(("dense", nn.Linear(inputs, hidden)), ("act", nn.GELU()), ("LayerNorm", nn.LayerNorm(hidden)), ("out", nn.Linear(hidden, 1)));

    /// <summary>Copies every parameter of <paramref name="from"/> into <paramref name="to"/>.</summary>
    public static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var target = to.state_dict();
        foreach (var (name, tensor) in from.state_dict()) target[name].copy_(tensor);
    }

    /// <summary>A smooth regression task: y = tanh(x·w / 4).</summary>
    public static (Tensor X, Tensor Y) Batch(Tensor w, int size = 32)
    {
        var x = randn(size, w.shape[0]);
        return (x, x.mm(w).div(4).tanh());
    }
}
