using static TorchSharp.torch;

namespace RerankExperiments.Modeling.Bert;

/// <summary>PLACEHOLDER (issue 4): the architecture is not implemented yet.</summary>
public sealed class BertForSequenceClassification : SequenceClassificationModel
{
    public BertForSequenceClassification(ModelConfig config) : base("BertForSequenceClassification", config) => throw new NotImplementedException("BertForSequenceClassification is not implemented yet.");

    public override bool UsesTokenTypeIds => throw new NotImplementedException();
    public override int MaxSequenceLength => throw new NotImplementedException();
    public override bool IsHeadParameter(string name) => throw new NotImplementedException();
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => throw new NotImplementedException();
}
