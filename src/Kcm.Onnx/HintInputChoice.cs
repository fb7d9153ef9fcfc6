namespace Kcm.Onnx;

/// <summary>Which of a large model's inputs takes the image and which the hint.</summary>
/// <param name="ImageInput">The input the samples go to.</param>
/// <param name="HintInput">The input the small model's probabilities go to, or null when the model reads no hint.</param>
public sealed record HintInputChoice(string ImageInput, string? HintInput);
