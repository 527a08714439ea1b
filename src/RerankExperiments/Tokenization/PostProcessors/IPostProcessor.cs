namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>
/// The last stage: wraps the model's ids of one sequence or a pair in special tokens ([CLS] A [SEP] B [SEP],
/// &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;) and sets token type ids. Chosen by the post-processor's <c>type</c>.
/// As in tokenizers, it maps the list of encodings ([A] or [A, B], B's tokens of type 1 on arrival) to a new
/// list, so processors chain in a Sequence; the tokenizer concatenates the final list.
/// </summary>
public interface IPostProcessor
{
    /// <summary>How many special tokens <see cref="Process"/> adds for a single sequence or a pair.</summary>
    int AddedTokens(bool isPair);

    /// <summary>Transforms the encodings of a single sequence or a pair.</summary>
    List<TokenSequence> Process(List<TokenSequence> sequences);
}
