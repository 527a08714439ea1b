using RerankExperiments.Mining;

namespace RerankExperiments.Tests.Mining;

public sealed class SimpleAnalyzerTests
{
    [Fact]
    public void LowercasesAndSplitsOnNonLetterOrDigit() =>
        Assert.Equal(["the", "cat", "s", "2", "dogs", "naïve", "straße"], new SimpleAnalyzer().Analyze("The Cat's 2 dogs—NAÏVE, Straße."));

    [Fact]
    public void DropsStopwordsCaseInsensitively() =>
        Assert.Equal(["cat", "mat"], new SimpleAnalyzer(SimpleAnalyzer.EnglishStopwords).Analyze("The cat is ON the mat"));

    [Fact]
    public void EmptyAndPunctuationOnlyTextsHaveNoTerms()
    {
        Assert.Empty(new SimpleAnalyzer().Analyze(""));
        Assert.Empty(new SimpleAnalyzer().Analyze(" -- !? "));
    }
}
