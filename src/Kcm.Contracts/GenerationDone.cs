namespace Kcm.Contracts;

/// <summary>The end of a generation stream (<c>event: done</c>).</summary>
/// <param name="Text">The generated text (without the prompt, and without the stop string when one ended it).</param>
/// <param name="Tokens">Tokens generated (token events sent).</param>
/// <param name="FinishReason">Why generation ended, one of <see cref="FinishReasons"/>.</param>
/// <param name="FusedSteps">Steps that fused the members' distributions.</param>
/// <param name="FusedStepShare"><paramref name="FusedSteps"/> / <paramref name="Tokens"/> (0 when no token was generated).</param>
/// <param name="TokensPerSecond"><paramref name="Tokens"/> per second of <paramref name="ElapsedMs"/>.</param>
/// <param name="ElapsedMs">Wall time from the start of decoding to its end.</param>
/// <param name="Mode">The ensemble mode used.</param>
/// <param name="Model">The ensemble's name.</param>
public sealed record GenerationDone(
    string Text,
    int Tokens,
    string FinishReason,
    int FusedSteps,
    double FusedStepShare,
    double TokensPerSecond,
    double ElapsedMs,
    string Mode,
    string Model) : GenerationEvent;
