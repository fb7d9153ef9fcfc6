namespace Kcm.Abstractions.Generation;

/// <summary>A generation refused before its first token: the request is wrong, or no slot freed in time.</summary>
[GenerateSerializer, Alias("kcm.generation-refused")]
public sealed class GenerationRefusedException : Exception
{
    public GenerationRefusedException(string code, string message, bool retriable) : base(message)
    {
        Code = code;
        Retriable = retriable;
    }

    /// <summary>The problem code the HTTP API answers with (e.g. "invalid_request", "overloaded").</summary>
    [Id(0)]
    public string Code { get; }

    /// <summary>Whether the same request may succeed later.</summary>
    [Id(1)]
    public bool Retriable { get; }
}
