namespace Kcm.Contracts;

/// <summary>Values of <see cref="GenerationDone.FinishReason"/>.</summary>
public static class FinishReasons
{
    /// <summary><see cref="GenerateRequest.MaxTokens"/> tokens were generated.</summary>
    public const string Length = "length";

    /// <summary>A stop string appeared.</summary>
    public const string Stop = "stop";

    /// <summary>The main model chose a special (end-of-text) token.</summary>
    public const string EndOfText = "end_of_text";

    /// <summary>The main model's context is full.</summary>
    public const string Context = "context";
}
