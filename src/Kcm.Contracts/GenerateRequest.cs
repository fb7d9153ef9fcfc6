namespace Kcm.Contracts;

/// <summary>Body of <c>POST /v1/models/{model}/generate</c>: greedy ensemble continuation of a prompt, streamed as server-sent events.</summary>
/// <param name="Prompt">The text to continue (1 to <see cref="MaxPromptCharacters"/> characters, and shorter than the main model's context in tokens).</param>
/// <param name="MaxTokens">Most tokens to generate, 1 to <see cref="MaxTokensLimit"/>.</param>
/// <param name="Stop">
/// Up to <see cref="MaxStopStrings"/> strings of 1 to <see cref="MaxStopLength"/> characters; generation ends before
/// the first one to appear in the generated text, which is not sent.
/// </param>
/// <param name="Mode">The ensemble mode: main, avg, adapt, sparse or gated (see <see cref="GenerationModes"/>).</param>
public sealed record GenerateRequest(string Prompt, int MaxTokens = GenerateRequest.DefaultMaxTokens, IReadOnlyList<string>? Stop = null, string? Mode = GenerationModes.Avg)
{
    public const int DefaultMaxTokens = 32;
    public const int MaxTokensLimit = 1024;
    public const int MaxStopStrings = 4;
    public const int MaxStopLength = 64;
    public const int MaxPromptCharacters = 16_384;
}
