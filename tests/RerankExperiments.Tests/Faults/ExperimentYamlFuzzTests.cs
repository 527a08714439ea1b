using System.Text;
using RerankExperiments.Experiments;
using RerankExperiments.Experiments.Config;
using RerankExperiments.Tests.Support;
using Xunit.Abstractions;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// 10,000 seeded mutations of the shipped experiments/*.yml (and random bytes, deep nesting, alias bombs, files
/// over the size limit) loaded and validated: each is a plan, or an <see cref="ExperimentConfigException"/> whose
/// message names the file; never another exception or a hang.
/// </summary>
/// <remarks>
/// The shipped files are copied beside the fuzzed one so that <c>extends</c> finds its bases. The environment is
/// empty, so the result does not depend on the machine.
/// </remarks>
[Trait("Category", "Faults")]
public sealed class ExperimentYamlFuzzTests(ITestOutputHelper output)
{
    const int Inputs = 10_000;
    const int Seed = 64_1024;

    /// <summary>Values that are wrong somewhere in every schema: other types, YAML tags, anchors, aliases, odd numbers.</summary>
    static readonly string[] Values =
    [
        "", "null", "~", "true", "no", "-1", "0", "1e400", "9223372036854775808", ".nan", "-.inf", "0x1F", "[1, 2]", "{a: 1}",
        "[]", "{}", "\"quoted\"", "'single'", "&anchor value", "*anchor", "*missing", "!!binary aGVsbG8=", "!!python/object:os.system x",
        "|\n  block\n  text", "[unclosed", "{unclosed: 1", "@reserved", "`reserved", "a: b: c", "- item", "\t tab", "\"\\ud800\"",
        new string('x', 10_000),
    ];

    [Fact]
    public async Task Mutated_and_random_experiment_files_load_or_fail_naming_the_file()
    {
        using var harness = new FuzzHarness(output, "experiment YAML", e => e is ExperimentConfigException);
        string experiments = Path.Combine(Fixtures.RepositoryRoot(), "experiments");
        var seeds = Directory.EnumerateFiles(experiments, "*.yml").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        foreach (var file in Directory.EnumerateFiles(experiments, "*.yml")) File.Copy(file, harness.Directory.File(Path.GetFileName(file)));
        string path = harness.Directory.File("fuzzed.yml");

        await harness.Run(Inputs, Seed, async random =>
        {
            var seed = seeds[random.Next(seeds.Length)];
            var (bytes, what) = random.Next(100) switch
            {
                < 35 => (ByteMutations.Mutate(random, seed, seeds), "byte mutation"),
                < 85 => (LineMutation(random, seed), "line mutation"),
                < 95 => Hostile(random),
                _ => (ByteMutations.RandomBytes(random, 2048, random.Next(2) == 0 ? "model:\n  " : null), "random bytes"),
            };
            await File.WriteAllBytesAsync(path, bytes);
            // An error may sit in a base file that the fuzzed one extends: the message names that file instead.
            return (what, Path.GetFileName(harness.Directory.Path), () => ExperimentLoader.Load(path, environment: _ => null));
        });
        Assert.True(harness.Loaded > Inputs / 20 && harness.Rejected > Inputs / 4, "the mutations should both keep and break files");
    }

    /// <summary>Line-level edits a person makes by mistake: a line dropped, doubled, swapped, re-indented, or a value replaced.</summary>
    static byte[] LineMutation(Random random, byte[] seed)
    {
        var lines = Encoding.UTF8.GetString(seed).Split('\n').ToList();
        for (int edits = 1 + random.Next(3); edits > 0 && lines.Count > 0; edits--)
        {
            int at = random.Next(lines.Count);
            string line = lines[at];
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            switch (random.Next(7))
            {
                case 0: lines.RemoveAt(at); break;
                case 1: lines.Insert(at, line); break;
                case 2: (lines[at], lines[random.Next(lines.Count)]) = (lines[random.Next(lines.Count)], line); break;
                case 3: lines[at] = new string(' ', random.Next(9)) + line.TrimStart(); break;
                case 4: lines.Insert(at, $"{new string(' ', 2 * random.Next(3))}{Key(random)}: {Values[random.Next(Values.Length)]}"); break;
                default:
                    if (colon > 0) lines[at] = $"{line[..(colon + 1)]} {Values[random.Next(Values.Length)]}";
                    break;
            }
        }
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    /// <summary>A made-up key, or a real one misspelt or put in the wrong section.</summary>
    static string Key(Random random) =>
        new[] { "modle", "learning_rate", "training", "data", "loss", "extends", "sweep", "name", "zz", "<<", "? complex" }[random.Next(11)];

    /// <summary>Inputs built to exhaust a parser: deep nesting, alias expansion, wide or long documents, several documents.</summary>
    static (byte[] Bytes, string What) Hostile(Random random)
    {
        var text = new StringBuilder();
        string what;
        switch (random.Next(6))
        {
            case 0:
                text.Append("model: ").Append('[', 10 + random.Next(200)).Append(']', random.Next(2) == 0 ? 0 : 10 + random.Next(200));
                what = "deep flow nesting";
                break;
            case 1:
                for (int depth = 0; depth < 10 + random.Next(120); depth++) text.Append(' ', depth).Append("k:\n");
                what = "deep block nesting";
                break;
            case 2:
                text.Append("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
                for (int level = 1; level < 4 + random.Next(8); level++)
                    text.Append($"a{level}: &a{level} [").Append(string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))).Append("]\n");
                what = "alias bomb";
                break;
            case 3:
                text.Append("model:\n  name: ").Append('x', (int)YamlConfigReader.MaxFileBytes + random.Next(-64, 64)).Append('\n');
                what = "file at the size limit";
                break;
            case 4:
                for (int key = 0; key < 500 + random.Next(5_000); key++) text.Append("k").Append(key).Append(": 1\n");
                what = "thousands of unknown keys";
                break;
            default:
                text.Append("model: {name: a}\n---\nmodel: {name: b}\n");
                what = "two documents";
                break;
        }
        return (Encoding.UTF8.GetBytes(text.ToString()), what);
    }
}
