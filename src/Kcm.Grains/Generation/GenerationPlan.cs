using Kcm.Abstractions.Generation;
using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;

namespace Kcm.Grains.Generation;

/// <summary>A validated generation request: what <see cref="LoadedEnsemble"/> decodes.</summary>
/// <param name="PromptTokens">The prompt in the main model's tokens (tokenised once, when the request is validated).</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="Stops">Stop strings (possibly none).</param>
/// <param name="Mode">The ensemble mode.</param>
internal sealed record GenerationPlan(int[] PromptTokens, int MaxTokens, string[] Stops, EnsembleMode Mode)
{
    /// <summary>The mode's wire name, or "invalid" when it is none (for the refused-generation metric).</summary>
    public static string ModeName(GenerationPrompt? prompt) =>
        EnsembleModes.TryParse(prompt?.Mode ?? GenerationModes.Avg, out var mode) ? mode.Name() : "invalid";

    /// <summary>Validates <paramref name="prompt"/> against <paramref name="pool"/> with the HTTP API's limits.</summary>
    /// <exception cref="GenerationRefusedException">The request is wrong (its code says how) or the mode is unavailable.</exception>
    public static GenerationPlan Create(EnsemblePool pool, GenerationPrompt? prompt)
    {
        if (string.IsNullOrEmpty(prompt?.Prompt))
        {
            throw GenerationRefusals.Invalid(ProblemCodes.InvalidPrompt, "The request needs a non-empty prompt.");
        }

        if (prompt.Prompt.Length > GenerateRequest.MaxPromptCharacters)
        {
            throw GenerationRefusals.Invalid(ProblemCodes.PromptTooLong,
                $"The prompt has {prompt.Prompt.Length} characters; at most {GenerateRequest.MaxPromptCharacters} are accepted.");
        }

        if (prompt.MaxTokens is < 1 or > GenerateRequest.MaxTokensLimit)
        {
            throw GenerationRefusals.Invalid(ProblemCodes.InvalidMaxTokens,
                $"max_tokens must be 1 to {GenerateRequest.MaxTokensLimit} (was {prompt.MaxTokens}).");
        }

        var stops = prompt.Stop ?? [];
        if (stops.Length > GenerateRequest.MaxStopStrings)
        {
            throw GenerationRefusals.Invalid(ProblemCodes.InvalidStop,
                $"At most {GenerateRequest.MaxStopStrings} stop strings are accepted (got {stops.Length}).");
        }

        for (var i = 0; i < stops.Length; i++)
        {
            if (stops[i] is not { Length: >= 1 and <= GenerateRequest.MaxStopLength })
            {
                throw GenerationRefusals.Invalid(ProblemCodes.InvalidStop,
                    $"Stop string {i} must be 1 to {GenerateRequest.MaxStopLength} characters (was {(stops[i] is null ? "null" : stops[i].Length + " characters")}).");
            }
        }

        var modeName = prompt.Mode ?? GenerationModes.Avg;
        if (!EnsembleModes.TryParse(modeName, out var mode))
        {
            throw GenerationRefusals.Invalid(ProblemCodes.InvalidMode, $"Mode '{modeName}' is not one of {string.Join(", ", GenerationModes.All)}.");
        }

        if (!pool.Supports(mode))
        {
            throw GenerationRefusals.ModeUnavailable(pool.Name, mode.Name());
        }

        var main = pool.Main;
        var mainTokens = main.Tokenizer.Encode(prompt.Prompt);
        CheckPromptLength(main, mainTokens.Length);
        if (mode != EnsembleMode.Main)
        {
            // The assistants read the main model's tokens as text (as they will at every step), each in its own tokens.
            var seen = EnsembleDecoder.TextOf(main.Tokenizer, mainTokens);
            for (var i = 0; i < pool.Members.Count; i++)
            {
                if (i != pool.MainModel)
                {
                    CheckPromptLength(pool.Members[i], seen.Length == 0 ? 0 : pool.Members[i].Tokenizer.Encode(seen).Length);
                }
            }
        }

        // A copy: the plan outlives the call and must not share the message's array.
        return new GenerationPlan(mainTokens, prompt.MaxTokens, [.. stops], mode);
    }

    private static void CheckPromptLength(EnsembleMember member, int tokens)
    {
        if (tokens == 0)
        {
            throw GenerationRefusals.Invalid(ProblemCodes.InvalidPrompt, $"The prompt gives no tokens for {member.Name}.");
        }

        if (tokens >= member.Context)
        {
            throw GenerationRefusals.Invalid(ProblemCodes.PromptTooLong,
                $"The prompt is {tokens} tokens for {member.Name}, which leaves no room in its context of {member.Context} tokens.");
        }
    }
}
