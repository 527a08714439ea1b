using System.Reflection;
using System.Text.RegularExpressions;
using RerankExperiments.Tests.Support;

namespace RerankExperiments.Tests.Faults;

/// <summary>
/// docs/reliability.md stays true: every test its tables name exists, is a test, and is in the Faults category, so
/// `dotnet test --filter Category=Faults` runs exactly what the document promises.
/// </summary>
public sealed partial class ReliabilityDocTests
{
    [Fact]
    public void Every_test_the_document_names_exists_and_is_in_the_faults_category()
    {
        var rows = File.ReadLines(Path.Combine(Fixtures.RepositoryRoot(), "docs", "reliability.md"))
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| Fault", StringComparison.Ordinal) && !line.StartsWith("|---", StringComparison.Ordinal))
            .ToList();
        Assert.True(rows.Count >= 50, $"only {rows.Count} fault rows");
        var tests = typeof(ReliabilityDocTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => (Type: t, Method: m)))
            .Where(x => x.Method.GetCustomAttributes<FactAttribute>().Any())
            .ToLookup(x => $"{x.Type.Name}.{x.Method.Name}");

        var problems = new List<string>();
        foreach (var row in rows)
        {
            string testColumn = row.TrimEnd().TrimEnd('|').Split(" | ")[^1];
            var names = TestName().Matches(testColumn).Select(m => m.Value).ToList();
            if (names.Count == 0) problems.Add($"no test named in: {row[..Math.Min(row.Length, 80)]}");
            foreach (var name in names)
            {
                var found = tests[name].ToList();
                if (found.Count == 0) problems.Add($"{name}: no such test");
                else if (!found.Any(x => IsFault(x.Type, x.Method))) problems.Add($"{name}: not in the Faults category");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    static bool IsFault(Type type, MethodInfo method) =>
        method.GetCustomAttributesData().Concat(type.GetCustomAttributesData())
            .Any(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments is [{ Value: "Category" }, { Value: "Faults" }]);

    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]*Tests\.[A-Za-z0-9_]+")]
    private static partial Regex TestName();
}
