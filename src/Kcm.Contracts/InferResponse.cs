namespace Kcm.Contracts;

/// <summary>Answer to an inference request: one result per input sample, in input order.</summary>
/// <param name="Model">The model that answered.</param>
/// <param name="Results">One result per sample, same order as the inputs.</param>
/// <param name="Threshold">The judge confidence threshold (epsilon) in force for this batch.</param>
public sealed record InferResponse(string Model, InferResult[] Results, double Threshold);
