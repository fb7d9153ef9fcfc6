using Kcm.Contracts;

namespace Kcm.Grains.Pipeline;

/// <summary>The pipeline's answer: a response when <see cref="Status"/> is Completed, else why not.</summary>
public sealed record InferenceOutcome(InferenceStatus Status, InferResponse? Response);
