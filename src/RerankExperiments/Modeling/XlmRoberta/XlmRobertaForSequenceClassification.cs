using static TorchSharp.torch;

namespace RerankExperiments.Modeling.XlmRoberta;

/// <summary>PLACEHOLDER (issue 4): the architecture is not implemented yet.</summary>
public sealed class XlmRobertaForSequenceClassification : SequenceClassificationModel
{
    public XlmRobertaForSequenceClassification(ModelConfig config) : base("XlmRobertaForSequenceClassification", config) => throw new NotImplementedException("XlmRobertaForSequenceClassification is not implemented yet.");

    public override bool UsesTokenTypeIds => throw new NotImplementedException();
    public override int MaxSequenceLength => throw new NotImplementedException();
    public override bool IsHeadParameter(string name) => throw new NotImplementedException();
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => throw new NotImplementedException();
}
