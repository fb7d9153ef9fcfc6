namespace Kcm.DeePEn.Evaluation;

/// <summary>Settings of <see cref="EnsembleEvaluation"/> (the next-word protocol behind <c>./kcm eval-ensemble</c>).</summary>
public sealed record EnsembleEvaluationOptions
{
    /// <summary>The issue asks for at least this many test prompts (a smaller count is only for smoke runs).</summary>
    public const int MinimumPrompts = 500;

    /// <value>Next-word prompts from the test addresses (2017 on); default 500.</value>
    public int Prompts { get; init; } = MinimumPrompts;

    /// <value>Next-word prompts from the development addresses (2012-2016), which choose the main model and DeePEn-Adapt's weights; default 500.</value>
    public int DevelopmentPrompts { get; init; } = MinimumPrompts;

    /// <value>Longest passage a prompt is cut from, in characters; default 250 (the models' context is 128 tokens).</value>
    public int PassageCharacters { get; init; } = 250;

    /// <value>Runs (words) of the passage a prompt keeps before its target; default 5.</value>
    public int MinContextWords { get; init; } = 5;

    /// <value>Tokens a continuation may take to complete its first word; default 12.</value>
    public int MaxTokensPerPrompt { get; init; } = 12;

    /// <value>Teacher-forced main-model positions of the perplexity with and without fusion; default 4000.</value>
    public int PerplexityPositions { get; init; } = 4000;

    /// <value>Seeds the prompts and the perplexity passages; default 1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>A smoke configuration: a few dozen prompts, a few seconds of decoding.</summary>
    public static EnsembleEvaluationOptions Quick { get; } = new() { Prompts = 40, DevelopmentPrompts = 40, PerplexityPositions = 200 };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every bad setting.</summary>
    /// <param name="allowFewPrompts">Whether fewer than <see cref="MinimumPrompts"/> test prompts are allowed (smoke runs).</param>
    public void Validate(bool allowFewPrompts = false)
    {
        var errors = new List<string>();
        if (Prompts < (allowFewPrompts ? 1 : MinimumPrompts))
        {
            errors.Add($"Prompts must be at least {(allowFewPrompts ? 1 : MinimumPrompts)} (got {Prompts}).");
        }

        if (DevelopmentPrompts < 1)
        {
            errors.Add($"DevelopmentPrompts must be positive (got {DevelopmentPrompts}).");
        }

        if (PassageCharacters < 16)
        {
            errors.Add($"PassageCharacters must be at least 16 (got {PassageCharacters}).");
        }

        if (MinContextWords < 1)
        {
            errors.Add($"MinContextWords must be positive (got {MinContextWords}).");
        }

        if (MaxTokensPerPrompt < 1)
        {
            errors.Add($"MaxTokensPerPrompt must be positive (got {MaxTokensPerPrompt}).");
        }

        if (PerplexityPositions < 1)
        {
            errors.Add($"PerplexityPositions must be positive (got {PerplexityPositions}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
