using System.Net;
using Kcm.Contracts;

namespace Kcm.Client;

/// <summary>The server answered with an error (an RFC 9457 problem); carries its status, code and whether to retry.</summary>
public sealed class KcmProblemException : KcmException
{
    public KcmProblemException(KcmProblemDetails problem, TimeSpan? retryAfter = null)
        : base($"KCM server answered {problem.Status} {problem.Code}: {problem.Title}" + (problem.Detail is null ? "" : $" ({problem.Detail})"))
    {
        Problem = problem;
        RetryAfter = retryAfter;
    }

    /// <summary>The problem as the server sent it (or as made up from the status when the body was not a problem).</summary>
    public KcmProblemDetails Problem { get; }

    public HttpStatusCode Status => (HttpStatusCode)Problem.Status;

    /// <summary>The stable machine code, one of <see cref="ProblemCodes"/>.</summary>
    public string Code => Problem.Code;

    public string Title => Problem.Title;

    public string? Detail => Problem.Detail;

    /// <summary>Whether the server says the same request may succeed later.</summary>
    public bool Retriable => Problem.Retriable;

    /// <summary>The server's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
