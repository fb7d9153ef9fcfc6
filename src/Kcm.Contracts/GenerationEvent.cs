namespace Kcm.Contracts;

/// <summary>
/// One server-sent event of a generation stream: a <see cref="GenerationToken"/> per step (<c>event: token</c>), then
/// one <see cref="GenerationDone"/> (<c>event: done</c>). A stream that fails after it started ends with
/// <c>event: error</c> carrying a <see cref="KcmProblemDetails"/> instead.
/// </summary>
public abstract record GenerationEvent;
