using System.Text.Encodings.Web;
using System.Text.Json;
using RerankExperiments.Tokenization.Loading;

namespace RerankExperiments.Tokenization.Training;

/// <summary>
/// Writes a trained WordPiece vocabulary as a BERT tokenizer the Hugging Face libraries load as their own:
/// tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece, [CLS] A [SEP] B [SEP] template, WordPiece
/// decoder, the special tokens as added tokens), tokenizer_config.json (model_max_length, special tokens) and
/// vocab.txt (for tools that want the slow BertTokenizer).
/// </summary>
public static class BertTokenizerWriter
{
    public static readonly IReadOnlyList<string> SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static void Write(string directory, IReadOnlyDictionary<string, int> vocabulary, bool lowercase, int modelMaxLength)
    {
        foreach (var special in SpecialTokens)
            if (!vocabulary.ContainsKey(special)) throw new ArgumentException($"The vocabulary lacks {special}: train with it as a special token.");
        Directory.CreateDirectory(directory);
        var byId = vocabulary.OrderBy(v => v.Value).ToList();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        WriteAtomically(Path.Combine(directory, TokenizerLoader.TokenizerFileName), json =>
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            foreach (var special in SpecialTokens)
            {
                json.WriteStartObject();
                json.WriteNumber("id", vocabulary[special]);
                json.WriteString("content", special);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("normalizer");
            json.WriteString("type", "BertNormalizer");
            json.WriteBoolean("clean_text", true);
            json.WriteBoolean("handle_chinese_chars", true);
            json.WriteNull("strip_accents");
            json.WriteBoolean("lowercase", lowercase);
            json.WriteEndObject();
            json.WriteStartObject("pre_tokenizer");
            json.WriteString("type", "BertPreTokenizer");
            json.WriteEndObject();
            WriteTemplate(json, vocabulary["[CLS]"], vocabulary["[SEP]"]);
            json.WriteStartObject("decoder");
            json.WriteString("type", "WordPiece");
            json.WriteString("prefix", "##");
            json.WriteBoolean("cleanup", true);
            json.WriteEndObject();
            json.WriteStartObject("model");
            json.WriteString("type", "WordPiece");
            json.WriteString("unk_token", "[UNK]");
            json.WriteString("continuing_subword_prefix", "##");
            json.WriteNumber("max_input_chars_per_word", 100);
            json.WriteStartObject("vocab");
            foreach (var (token, id) in byId) json.WriteNumber(token, id);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }, options);

        WriteAtomically(Path.Combine(directory, TokenizerLoader.ConfigFileName), json =>
        {
            json.WriteStartObject();
            json.WriteString("tokenizer_class", "BertTokenizer");
            json.WriteBoolean("do_lower_case", lowercase);
            json.WriteNumber("model_max_length", modelMaxLength);
            json.WriteString("unk_token", "[UNK]");
            json.WriteString("sep_token", "[SEP]");
            json.WriteString("pad_token", "[PAD]");
            json.WriteString("cls_token", "[CLS]");
            json.WriteString("mask_token", "[MASK]");
            json.WriteEndObject();
        }, options);

        string vocab = Path.Combine(directory, TokenizerLoader.VocabFileName);
        File.WriteAllLines(vocab + ".partial", byId.Select(v => v.Key));
        File.Move(vocab + ".partial", vocab, overwrite: true);
    }

    static void WriteTemplate(Utf8JsonWriter json, int cls, int sep)
    {
        // A template item: {"SpecialToken": {...}} or {"Sequence": {...}}.
        void Item(string kind, string id, int type)
        {
            json.WriteStartObject();
            json.WriteStartObject(kind);
            json.WriteString("id", id);
            json.WriteNumber("type_id", type);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        void Special(string id, int type) => Item("SpecialToken", id, type);
        void Sequence(string id, int type) => Item("Sequence", id, type);
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        Special("[CLS]", 0); Sequence("A", 0); Special("[SEP]", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        Special("[CLS]", 0); Sequence("A", 0); Special("[SEP]", 0); Sequence("B", 1); Special("[SEP]", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        foreach (var (name, id) in new[] { ("[CLS]", cls), ("[SEP]", sep) })
        {
            json.WriteStartObject(name);
            json.WriteString("id", name);
            json.WriteStartArray("ids");
            json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteStartArray("tokens");
            json.WriteStringValue(name);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    static void WriteAtomically(string path, Action<Utf8JsonWriter> write, JsonWriterOptions options)
    {
        string temporary = path + ".partial";
        using (var stream = File.Create(temporary))
        using (var json = new Utf8JsonWriter(stream, options))
            write(json);
        File.Move(temporary, path, overwrite: true);
    }
}
