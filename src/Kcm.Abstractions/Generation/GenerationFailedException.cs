namespace Kcm.Abstractions.Generation;

/// <summary>
/// A generation that ended after its stream started without its <see cref="GenerationFinished"/>: decoding failed
/// (code "generation_failed") or the silo stopped it while shutting down (code "shutting_down", retriable elsewhere).
/// </summary>
[GenerateSerializer, Alias("kcm.generation-failed")]
public sealed class GenerationFailedException : Exception
{
    public GenerationFailedException(string code, string message, bool retriable) : base(message)
    {
        Code = code;
        Retriable = retriable;
    }

    /// <summary>The problem code the HTTP API's error event carries (e.g. "generation_failed", "shutting_down").</summary>
    [Id(0)]
    public string Code { get; }

    /// <summary>Whether the same request may succeed later (on another silo).</summary>
    [Id(1)]
    public bool Retriable { get; }
}
