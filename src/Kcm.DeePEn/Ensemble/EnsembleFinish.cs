namespace Kcm.DeePEn.Ensemble;

/// <summary>Why a decoding step is the last one (<see cref="EnsembleStep.Finish"/>).</summary>
public enum EnsembleFinish
{
    /// <summary>More steps follow (unless the consumer stops enumerating).</summary>
    None,

    /// <summary>The token is a special (added) token, such as end of text.</summary>
    EndOfText,

    /// <summary>The step was the last one allowed (max tokens).</summary>
    MaxTokens,

    /// <summary>The main model's context is full.</summary>
    Context,

    /// <summary>An assistant could not read the text with one more token (its own tokens would exceed its context).</summary>
    AssistantContext,
}
