using RerankExperiments.Modeling.Bert;
using RerankExperiments.Torch.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RerankExperiments.Modeling.XlmRoberta;

// XLM-RoBERTa (and RoBERTa) as transformers' XLMRobertaForSequenceClassification: BERT's embeddings and post-LN
// encoder (see BertForSequenceClassification.cs) under `roberta.`, with three differences, read top to bottom here:
// positions count from pad_token_id + 1 and skip padding, token types are all 0, and there is no pooler: the head
// is dense → tanh → out_proj on the first token (<s>).

/// <summary>XLMRobertaModel without its pooler (add_pooling_layer=False): returns the last hidden states [B, S, H].</summary>
internal sealed class XlmRobertaModel : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;
    readonly long _padTokenId;

    public XlmRobertaModel(BertEncoderConfig config) : base("XlmRobertaModel")
    {
        // RoBERTa's position table has a padding row too: the position of padding is pad_token_id.
        embeddings = new BertEmbeddings(config, positionPaddingIdx: config.PadTokenId);
        encoder = new BertEncoder(config);
        _padTokenId = config.PadTokenId;
        RegisterComponents();
    }

    internal BertEmbeddings Embeddings => embeddings;

    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var positions = PositionIds(inputIds, _padTokenId);
        // transformers passes no token_type_ids for XLM-R (the tokenizer makes none), so every token is type 0.
        var tokenTypes = zeros_like(inputIds);
        return encoder.forward(embeddings.forward(inputIds, tokenTypes, positions), attentionMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// m = (ids ≠ pad); positions = cumsum(m)·m + pad: real tokens get pad+1, pad+2, … in order and padding gets pad,
    /// wherever it sits. As transformers, the mask comes from the ids, not from attention_mask.
    /// </summary>
    public static Tensor PositionIds(Tensor inputIds, long padTokenId)
    {
        using var scope = NewDisposeScope();
        var real = inputIds.ne(padTokenId).to(ScalarType.Int64);
        return (real.cumsum(1) * real + padTokenId).MoveToOuterDisposeScope();
    }
}

/// <summary>logits = out_proj(dropout(tanh(dense(dropout(x[:, 0]))))), transformers' XLMRobertaClassificationHead.</summary>
internal sealed class XlmRobertaClassificationHead : nn.Module<Tensor, Tensor>
{
    readonly Linear dense;
    readonly SeededDropout dropout;
    readonly Linear out_proj;

    public XlmRobertaClassificationHead(BertEncoderConfig config, int numLabels) : base("XlmRobertaClassificationHead")
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = new SeededDropout(config.ClassifierDropout);
        out_proj = nn.Linear(config.HiddenSize, numLabels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var first = dropout.forward(hidden.select(1, 0));
        return out_proj.forward(dropout.forward(dense.forward(first).tanh())).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// XLMRobertaForSequenceClassification (model_type "xlm-roberta" and "roberta"). State dict: roberta.embeddings.*,
/// roberta.encoder.layer.N.*, classifier.dense.*, classifier.out_proj.*.
/// </summary>
public sealed class XlmRobertaForSequenceClassification : SequenceClassificationModel
{
    readonly XlmRobertaModel roberta;
    readonly XlmRobertaClassificationHead classifier;
    readonly BertEncoderConfig _config;

    public XlmRobertaForSequenceClassification(ModelConfig config) : base("XlmRobertaForSequenceClassification", config)
    {
        _config = BertEncoderConfig.Read(config, defaultPadTokenId: 1);
        // Positions run up to pad + S, so the table must hold at least one real position past the padding row.
        if (_config.MaxPositionEmbeddings <= _config.PadTokenId + 1)
            throw config.Invalid("max_position_embeddings",
                $"{_config.MaxPositionEmbeddings} leaves no room for positions, which start at pad_token_id + 1 = {_config.PadTokenId + 1}.");
        roberta = new XlmRobertaModel(_config);
        classifier = new XlmRobertaClassificationHead(_config, config.NumLabels);
        RegisterComponents();
        BertParts.Initialize(this, _config.InitializerRange);
        roberta.Embeddings.ZeroPaddingRows();
    }

    /// <summary>The model sees type 0 everywhere, whatever the caller passes (transformers' tokenizer passes none).</summary>
    public override bool UsesTokenTypeIds => false;

    /// <summary>Positions pad+1 … max_position_embeddings−1 are usable: max_position_embeddings − pad_token_id − 1 tokens.</summary>
    public override int MaxSequenceLength => _config.MaxPositionEmbeddings - _config.PadTokenId - 1;

    public override bool IsHeadParameter(string name) => name.StartsWith("classifier.", StringComparison.Ordinal);

    /// <summary>Also what a base checkpoint has and this model lacks: the masked-LM head and the pooler.</summary>
    public override bool IsIgnorableCheckpointTensor(string name) =>
        base.IsIgnorableCheckpointTensor(name)
        || name.StartsWith("lm_head.", StringComparison.Ordinal)
        || name.StartsWith("roberta.pooler.", StringComparison.Ordinal);

    public override Tensor HiddenStates(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        return roberta.forward(inputIds, attentionMask);
    }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        BertParts.CheckInputs(inputIds, attentionMask, tokenTypeIds, MaxSequenceLength);
        using var scope = NewDisposeScope();
        return classifier.forward(roberta.forward(inputIds, attentionMask)).MoveToOuterDisposeScope();
    }
}
