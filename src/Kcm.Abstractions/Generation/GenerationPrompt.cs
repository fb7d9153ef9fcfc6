namespace Kcm.Abstractions.Generation;

/// <summary>A generation request.</summary>
/// <param name="Prompt">The text to continue.</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="Stop">Strings that end generation (not sent).</param>
/// <param name="Mode">The ensemble mode: main, avg, adapt, sparse or gated.</param>
[GenerateSerializer, Immutable, Alias("kcm.generation-prompt")]
public sealed record GenerationPrompt(string Prompt, int MaxTokens, string[] Stop, string Mode);
