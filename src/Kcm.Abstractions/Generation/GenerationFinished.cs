namespace Kcm.Abstractions.Generation;

/// <summary>The end of a generation stream (see the HTTP contract's done event for each field).</summary>
[GenerateSerializer, Immutable, Alias("kcm.generation-finished")]
public sealed record GenerationFinished(
    string Text, int Tokens, string FinishReason, int FusedSteps, double FusedStepShare, double TokensPerSecond, double ElapsedMs, string Mode, string Model)
    : GenerationStep;
