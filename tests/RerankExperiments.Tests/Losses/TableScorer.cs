using RerankExperiments.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Tests.Losses;

/// <summary>
/// A pair scorer whose "model" is one learnable logit per (query, passage): Score looks the pairs up in a
/// float32 parameter, so ∂loss/∂θ is exactly ∂loss/∂logit for every scored pair.
/// </summary>
internal sealed class TableScorer : IPairScorer, IDisposable
{
    readonly Dictionary<(string, string), int> _index = [];
    readonly List<double> _values = [];

    public TableScorer(params (string Query, string Passage, double Score)[] entries)
    {
        foreach (var (q, p, s) in entries) Add(q, p, s);
        Table = new Parameter(tensor(_values.Select(v => (float)v).ToArray()));
    }

    TableScorer() => Table = null!;

    /// <summary>Every (query, passage) of the examples, with scores from <paramref name="score"/>.</summary>
    public static TableScorer ForAll(IEnumerable<(string Query, string Passage)> pairs, Func<string, string, double> score)
    {
        var scorer = new TableScorer();
        foreach (var (q, p) in pairs.Distinct()) scorer.Add(q, p, score(q, p));
        scorer.Table = new Parameter(tensor(scorer._values.Select(v => (float)v).ToArray()));
        return scorer;
    }

    void Add(string q, string p, double s)
    {
        _index.Add((q, p), _values.Count);
        _values.Add((float)s); // the value the table actually holds
    }

    public Parameter Table { get; private set; }

    public List<List<(string Query, string Passage)>> Calls { get; } = [];

    public IEnumerable<(string Query, string Passage)> AllPairs => Calls.SelectMany(c => c);

    public Tensor Score(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        Calls.Add([.. pairs]);
        using var ids = tensor(pairs.Select(p => (long)_index[p]).ToArray());
        return Table.index_select(0, ids);
    }

    /// <summary>The logit of a pair, as float32 holds it, widened to double.</summary>
    public double S(string query, string passage) => _values[_index[(query, passage)]];

    public double[] Gradient()
    {
        using var grad = Table.grad;
        return grad is null ? new double[_values.Count] : grad.data<float>().Select(g => (double)g).ToArray();
    }

    public double GradientOf(double[] gradient, string query, string passage) => gradient[_index[(query, passage)]];

    public void ZeroGrad()
    {
        using var grad = Table.grad;
        grad?.zero_();
    }

    public void Dispose() => Table.Dispose();
}
