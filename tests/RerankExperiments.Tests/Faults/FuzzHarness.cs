using System.Diagnostics;
using RerankExperiments.Tests.Support;
using Xunit.Abstractions;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// Feeds generated inputs to a loader and holds it to the contract for bad input: each one loads, or throws one of
/// the loader's documented exceptions with a message that names the file; nothing else escapes, no input takes
/// longer than <see cref="TimeLimit"/>, and none allocates more than <see cref="AllocationLimit"/> (a lying length
/// must not be believed). Every violation is collected with the iteration that made it, so a failure can be
/// replayed from the seed. Inputs are files in an in-memory <see cref="Directory"/>, since the loaders read paths.
/// </summary>
public sealed class FuzzHarness(ITestOutputHelper output, string name, Func<Exception, bool> documented) : IDisposable
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(2);
    public const long AllocationLimit = 256L << 20;

    readonly List<string> _violations = [];
    readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    readonly Dictionary<string, TimeSpan> _timeByKind = new(StringComparer.Ordinal);
    readonly TimeSpan _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    TimeSpan _slowest;
    int _count;

    /// <summary>Where the inputs are written; deleted on dispose.</summary>
    public TemporaryDirectory Directory { get; } = TemporaryDirectory.InMemory();

    public void Dispose() => Directory.Dispose();

    /// <summary>
    /// Feeds <paramref name="inputs"/> inputs: for each, <paramref name="prepare"/> gets a <see cref="Random"/> seeded
    /// from (<paramref name="seed"/>, iteration), writes the input and returns what it is, the text the error must
    /// name, and the load to run. Then asserts the contract held for all of them.
    /// </summary>
    public async Task Run(int inputs, int seed, Func<Random, Task<(string What, string MustName, Action Load)>> prepare)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < inputs; i++)
        {
            var (what, mustName, load) = await prepare(new Random(HashCode.Combine(seed, i)));
            await Feed(i, what, mustName, load);
        }
        AssertClean(clock.Elapsed);
    }

    /// <summary>Inputs fed so far.</summary>
    public int Count => _count;

    /// <summary>How many inputs loaded without error.</summary>
    public int Loaded => _outcomes.GetValueOrDefault("loaded");

    /// <summary>How many inputs were rejected with a documented exception.</summary>
    public int Rejected => _outcomes.Where(o => o.Key != "loaded").Sum(o => o.Value);

    /// <summary>
    /// Runs <paramref name="load"/> on one input. <paramref name="fileName"/> is the text the error message must
    /// contain; <paramref name="what"/> describes the input for the report.
    /// </summary>
    async Task Feed(int iteration, string what, string fileName, Action load)
    {
        _count++;
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var run = Task.Run(load);
        try
        {
            await run.WaitAsync(TimeLimit);
            Tally("loaded");
        }
        catch (TimeoutException) when (!run.IsCompleted)
        {
            Violation(iteration, what, $"still running after {TimeLimit.TotalSeconds:0} s (hang?)");
            return;
        }
        catch (Exception error) when (documented(error))
        {
            if (string.IsNullOrWhiteSpace(error.Message) || !error.Message.Contains(fileName, StringComparison.Ordinal))
                Violation(iteration, what, $"{error.GetType().Name} does not name {fileName}: {Short(error.Message)}");
            else Tally(error.GetType().Name);
        }
        catch (Exception error)
        {
            Violation(iteration, what, $"undocumented {error.GetType().FullName}: {Short(error.Message)}\n{Short(error.StackTrace ?? "", 1200)}");
        }
        clock.Stop();
        _timeByKind[what] = _timeByKind.GetValueOrDefault(what) + clock.Elapsed;
        if (clock.Elapsed > _slowest) _slowest = clock.Elapsed;
        if (clock.Elapsed > TimeLimit) Violation(iteration, what, $"took {clock.Elapsed.TotalSeconds:0.0} s");
        long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        if (allocated > AllocationLimit) Violation(iteration, what, $"allocated {allocated >> 20} MiB");
    }

    /// <summary>Writes the tally to the test output and fails with every violation found.</summary>
    void AssertClean(TimeSpan elapsed)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
        output.WriteLine($"{name}: {_count} inputs in {elapsed.TotalSeconds:0.00} s ({cpu.TotalSeconds:0.00} s CPU), slowest {_slowest.TotalMilliseconds:0} ms; "
            + string.Join(", ", _outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));
        output.WriteLine("time in the loader by kind of input: "
            + string.Join(", ", _timeByKind.OrderByDescending(t => t.Value).Select(t => $"{t.Key} {t.Value.TotalSeconds:0.00} s")));
        Assert.True(_violations.Count == 0,
            $"{name}: {_violations.Count} of {_count} inputs broke the contract:\n" + string.Join("\n", _violations.Take(15)));
    }

    void Tally(string outcome) => _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;

    void Violation(int iteration, string what, string problem) => _violations.Add($"#{iteration} ({what}): {problem}");

    static string Short(string text, int limit = 300) => text.Length <= limit ? text : text[..limit] + "…";
}
