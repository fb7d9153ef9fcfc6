namespace Kcm.Grains.Ensemble;

/// <summary>A generation refused before it started, with the problem code the client sees.</summary>
public sealed class GenerationRefusedException(GenerationRefusal reason, string code, string title, string message) : Exception(message)
{
    public GenerationRefusal Reason { get; } = reason;

    /// <summary>One of <see cref="Contracts.ProblemCodes"/>.</summary>
    public string Code { get; } = code;

    public string Title { get; } = title;
}
