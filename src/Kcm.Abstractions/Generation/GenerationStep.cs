namespace Kcm.Abstractions.Generation;

/// <summary>One event of a generation stream: a <see cref="GeneratedToken"/> or the closing <see cref="GenerationFinished"/>.</summary>
[GenerateSerializer, Immutable, Alias("kcm.generation-step")]
public abstract record GenerationStep;
