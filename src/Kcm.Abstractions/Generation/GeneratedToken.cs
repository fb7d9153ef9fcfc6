namespace Kcm.Abstractions.Generation;

/// <summary>One generated token (see the HTTP contract's token event for each field).</summary>
[GenerateSerializer, Immutable, Alias("kcm.generated-token")]
public sealed record GeneratedToken(
    int Index, int TokenId, string Text, bool Fused, bool ChangedByFusion, double StepMs, double MainMs, double AssistantsMs, double FusionMs)
    : GenerationStep;
