namespace RerankExperiments.Tokenization.PostProcessors;

/// <summary>
/// The last stage: wraps the model's ids of one sequence or a pair in special tokens ([CLS] A [SEP] B [SEP],
/// &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;) and assigns token type ids. Chosen by the post-processor's <c>type</c>.
/// </summary>
public interface IPostProcessor
{
    /// <summary>How many special tokens <see cref="Process"/> adds for a single sequence or a pair.</summary>
    int AddedTokens(bool isPair);

    /// <summary>Combines <paramref name="first"/> and, for a pair, <paramref name="second"/> into the final sequence.</summary>
    TokenSequence Process(TokenSequence first, TokenSequence? second);
}
