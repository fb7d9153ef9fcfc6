namespace Kcm.Contracts;

/// <summary>One generated token (<c>event: token</c>).</summary>
/// <param name="Index">0 for the first generated token.</param>
/// <param name="TokenId">The token's id in the main model's vocabulary.</param>
/// <param name="Text">
/// The text this event adds to the output. The texts of all token events concatenate to <see cref="GenerationDone.Text"/>;
/// a token may add nothing (inside a UTF-8 sequence, a special token, or text held back while it could begin a stop string).
/// </param>
/// <param name="Fused">Whether this step fused the members' distributions (false in mode main and where the gate let the main model decide).</param>
/// <param name="ChangedByFusion">Whether the fusion chose another token than the main model alone would have.</param>
/// <param name="StepMs">The step's decoding time: <paramref name="MainMs"/> + <paramref name="AssistantsMs"/> + <paramref name="FusionMs"/>.</param>
/// <param name="MainMs">Time running the main model for this step.</param>
/// <param name="AssistantsMs">Time syncing and running the assistant models for this step (0 when not fused).</param>
/// <param name="FusionMs">Time in the relative projection and inverse search.</param>
public sealed record GenerationToken(
    int Index,
    int TokenId,
    string Text,
    bool Fused,
    bool ChangedByFusion,
    double StepMs,
    double MainMs,
    double AssistantsMs,
    double FusionMs) : GenerationEvent;
