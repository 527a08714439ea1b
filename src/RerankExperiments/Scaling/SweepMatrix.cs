using System.Text.Json;
using System.Text.Json.Nodes;
using RerankExperiments.Experiments;

namespace RerankExperiments.Scaling;

/// <summary>
/// A sweep's trials as a CI matrix: <c>{"include": [{"trial": 0, "name": "…", "params": {"training.learning_rate":
/// "1e-3", …}}, …]}</c>, the shape GitHub Actions' <c>strategy.matrix: ${{ fromJSON(…) }}</c> and GitLab's parallel
/// matrix generators take. Each job runs its <c>trial</c> with <c>-p:Trial=N</c> (or <c>rerank run --trial N</c>).
/// </summary>
public static class SweepMatrix
{
    public static string Json(ExperimentPlan plan, IEnumerable<int>? only = null, bool indented = false)
    {
        var selected = only is null ? null : new HashSet<int>(only);
        var include = new JsonArray();
        foreach (var trial in plan.Trials.Where(t => selected is null || selected.Contains(t.Index)))
        {
            var parameters = new JsonObject();
            foreach (var assignment in trial.Assignments) parameters[assignment.Path] = assignment.Text;
            include.Add(new JsonObject { ["trial"] = trial.Index, ["name"] = trial.Name, ["params"] = parameters });
        }
        return new JsonObject { ["include"] = include }.ToJsonString(new JsonSerializerOptions { WriteIndented = indented });
    }
}
