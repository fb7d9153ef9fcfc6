using Kcm.Contracts;

namespace Kcm.Grains.Pipeline;

/// <summary>The pipeline's answer: a response when <see cref="Status"/> is Completed, else why not.</summary>
/// <param name="Status">How the batch ended.</param>
/// <param name="Response">The answers, when completed.</param>
/// <param name="Row">For <see cref="InferenceStatus.NonFiniteOutput"/>: the batch row no model could answer; else -1.</param>
public sealed record InferenceOutcome(InferenceStatus Status, InferResponse? Response, int Row = -1);
