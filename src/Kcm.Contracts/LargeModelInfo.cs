namespace Kcm.Contracts;

/// <summary>The large model in use.</summary>
/// <param name="Name">Its name (e.g. the ONNX file's name).</param>
/// <param name="HintInput">The name of its optional hint input for the small model's probabilities, or null when it has none.</param>
public sealed record LargeModelInfo(string Name, string? HintInput);
