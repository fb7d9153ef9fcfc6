namespace Kcm.Contracts;

/// <summary>An RFC 9457 problem (<c>application/problem+json</c>) with KCM's extensions.</summary>
/// <param name="Type">A URI naming the problem type (may be "about:blank").</param>
/// <param name="Title">Short summary of the problem type.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong this time, for people.</param>
/// <param name="Code">Stable snake_case machine code, one of <see cref="ProblemCodes"/>.</param>
/// <param name="Retriable">Whether the same request may succeed if sent again later.</param>
public sealed record KcmProblemDetails(string Type, string Title, int Status, string? Detail, string Code, bool Retriable);
