using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Torch.Optimization;

/// <summary>Where one parameter lies in a flat buffer.</summary>
public sealed record FlatSlot(string Name, long Offset, long Count, long[] Shape, bool Decays);

/// <summary>
/// A set of parameters moved into one contiguous buffer: each parameter is rebound (<c>set_</c>) to a view of
/// <see cref="Data"/> and its gradient to a view of <see cref="Grad"/>, so an optimizer updates every parameter
/// with a handful of kernel launches instead of several per tensor, and autograd accumulates straight into the
/// flat gradient. Parameters that decay come first (<see cref="DecayedCount"/> elements), then the rest, so
/// weight decay is one call on a prefix.
/// </summary>
/// <remarks>
/// Bind after the module has its final device and dtype: moving the module afterwards replaces the parameters'
/// storage and breaks the binding. Zero gradients with <see cref="ZeroGrad"/>, never by setting them to null
/// (TorchSharp's <c>Module.zero_grad()</c> does that by default), or autograd allocates unbound gradients.
/// </remarks>
public sealed class FlatParameters : IDisposable
{
    readonly List<Parameter> _bound;

    FlatParameters(Tensor data, Tensor grad, IReadOnlyList<FlatSlot> slots, long decayedCount, List<Parameter> bound)
    {
        Data = data;
        Grad = grad;
        Slots = slots;
        DecayedCount = decayedCount;
        _bound = bound;
    }

    /// <summary>All parameter values, one dimension.</summary>
    public Tensor Data { get; }

    /// <summary>All gradients, same layout as <see cref="Data"/>.</summary>
    public Tensor Grad { get; }

    /// <summary>The layout: one slot per parameter.</summary>
    public IReadOnlyList<FlatSlot> Slots { get; }

    /// <summary>Elements at the start of the buffer that take weight decay.</summary>
    public long DecayedCount { get; }

    /// <summary>Total number of elements.</summary>
    public long Count => Data.numel();

    /// <summary>
    /// Moves the trainable parameters (those that require grad) into one buffer of their common dtype and device
    /// and rebinds them to views of it; <paramref name="decays"/> picks those that take weight decay.
    /// </summary>
    public static FlatParameters Bind(IEnumerable<(string Name, Parameter Parameter)> parameters, Func<string, Tensor, bool> decays)
    {
        var trainable = parameters.Where(p => p.Parameter.requires_grad).ToList();
        if (trainable.Count == 0) throw new ArgumentException("No trainable parameters to bind.");
        var dtype = trainable[0].Parameter.dtype;
        var device = trainable[0].Parameter.device;
        foreach (var (name, parameter) in trainable)
            if (parameter.dtype != dtype || parameter.device.type != device.type || parameter.device.index != device.index)
                throw new ArgumentException($"Parameter '{name}' is {parameter.dtype} on {parameter.device}, others {dtype} on {device}: one flat buffer needs one dtype and device.");

        var ordered = trainable.Where(p => decays(p.Name, p.Parameter)).Select(p => (p.Name, p.Parameter, Decays: true))
            .Concat(trainable.Where(p => !decays(p.Name, p.Parameter)).Select(p => (p.Name, p.Parameter, Decays: false))).ToList();
        var slots = new List<FlatSlot>();
        long offset = 0;
        foreach (var (name, parameter, decaysHere) in ordered)
        {
            slots.Add(new FlatSlot(name, offset, parameter.numel(), parameter.shape, decaysHere));
            offset += parameter.numel();
        }

        var data = empty(offset, dtype, device);
        var grad = zeros(offset, dtype, device);
        using (no_grad())
        {
            for (int i = 0; i < ordered.Count; i++)
            {
                var (_, parameter, _) = ordered[i];
                var slot = slots[i];
                using var dataView = data.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
                dataView.copy_(parameter);
                parameter.set_(dataView);
                parameter.grad = grad.narrow(0, slot.Offset, slot.Count).view(slot.Shape);
            }
        }
        return new FlatParameters(data, grad, slots, slots.Where(s => s.Decays).Sum(s => s.Count), ordered.Select(o => o.Parameter).ToList());
    }

    /// <summary>An unbound buffer pair with this layout in another dtype, holding a copy of the values (fp32 master weights).</summary>
    public FlatParameters CopyAs(ScalarType dtype)
    {
        using var noGrad = no_grad();
        return new FlatParameters(Data.to(dtype, copy: true), zeros(Count, dtype, Data.device), Slots, DecayedCount, []);
    }

    /// <summary>Zeroes every gradient in place (one kernel).</summary>
    public void ZeroGrad()
    {
        using var noGrad = no_grad();
        Grad.zero_();
    }

    /// <summary>
    /// True when every bound parameter's gradient is still the view of <see cref="Grad"/> that
    /// <see cref="Bind"/> set (a check for tests and debugging: it visits every parameter).
    /// </summary>
    public bool GradientsAreBound()
    {
        using var noGrad = no_grad();
        using var probe = Grad.clone();
        Grad.fill_(1);
        bool bound = _bound.All(p => p.grad is { } g && g.eq(1).all().item<bool>());
        Grad.fill_(0);
        bool zeroed = _bound.All(p => p.grad is { } g && g.eq(0).all().item<bool>());
        Grad.copy_(probe);
        return bound && zeroed;
    }

    public void Dispose()
    {
        Data.Dispose();
        Grad.Dispose();
    }
}
