namespace RerankExperiments.Experiments.Config;

/// <summary>
/// The resolved config as flat dotted keys (<c>training.learning_rate</c> → <c>2e-05</c>, <c>eval.0.at_k</c> → <c>10</c>):
/// the MLflow params of a run, so every setting can be filtered and compared in the UI. Plain numbers stay plain
/// numeric strings (the compare views parse them with parseFloat).
/// </summary>
public static class ConfigFlattener
{
    public static IReadOnlyDictionary<string, string> Flatten(ConfigNode root, IEnumerable<string>? skipTopLevel = null)
    {
        var skip = new HashSet<string>(skipTopLevel ?? [], StringComparer.Ordinal);
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(ConfigNode node, string path)
        {
            switch (node)
            {
                case ConfigMapping mapping:
                    foreach (var (key, value) in mapping.Entries)
                        if (path.Length > 0 || !skip.Contains(key.Text)) Walk(value, path.Length == 0 ? key.Text : $"{path}.{key.Text}");
                    break;
                case ConfigSequence sequence when sequence.Items.All(i => i is ConfigScalar):
                    flat[path] = ConfigYamlWriter.Flow(sequence);
                    break;
                case ConfigSequence sequence:
                    for (int i = 0; i < sequence.Items.Count; i++) Walk(sequence.Items[i], $"{path}.{i}");
                    break;
                case ConfigScalar scalar:
                    flat[path] = scalar.IsNull ? "null" : scalar.Text;
                    break;
            }
        }
        Walk(root, "");
        return flat;
    }
}
