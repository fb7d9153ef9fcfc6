namespace Kcm.Contracts;

/// <summary>Body of <c>POST /v1/models/{model}/infer</c> in JSON: one row of features per sample.</summary>
/// <param name="Inputs">The batch: each inner array is one sample's features (784 for Fashion-MNIST).</param>
/// <param name="ReturnProbabilities">Whether each result carries the full class probabilities.</param>
public sealed record InferRequest(float[][] Inputs, bool ReturnProbabilities = false);
