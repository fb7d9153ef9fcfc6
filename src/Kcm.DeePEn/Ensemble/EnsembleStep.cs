namespace Kcm.DeePEn.Ensemble;

/// <summary>One greedy decoding step of a <see cref="DeePEnEnsemble"/>.</summary>
/// <param name="Index">0 for the first generated token.</param>
/// <param name="Token">The chosen main-model token id.</param>
/// <param name="Text">
/// The text this step adds to the continuation: empty while a token ends inside a UTF-8 sequence (it comes with the
/// step that completes the character), and empty for special tokens.
/// </param>
/// <param name="Fused">Whether the step fused the members' distributions (false when the gate let the main model decide).</param>
/// <param name="ChangedByFusion">Whether the chosen token differs from the main model's own argmax.</param>
/// <param name="IsSpecial">Whether the token is an added/special token (decoding stops after it).</param>
/// <param name="MainModelTime">Time running the main model for this step's logits.</param>
/// <param name="AssistantTime">Time syncing and running the assistants for this step (zero when not fused).</param>
/// <param name="FusionTime">Time in the relative projection and inverse search.</param>
/// <param name="Finish">Why this step is the last one; <see cref="EnsembleFinish.None"/> when more follow.</param>
public readonly record struct EnsembleStep(
    int Index,
    int Token,
    string Text,
    bool Fused,
    bool ChangedByFusion,
    bool IsSpecial,
    TimeSpan MainModelTime,
    TimeSpan AssistantTime,
    TimeSpan FusionTime,
    EnsembleFinish Finish = EnsembleFinish.None)
{
    /// <summary>Whether the decoding ends with this step.</summary>
    public bool IsLast => Finish != EnsembleFinish.None;

    public TimeSpan Elapsed => MainModelTime + AssistantTime + FusionTime;
}
