namespace Kcm.Abstractions.Classification;

/// <summary>The large model in use.</summary>
/// <param name="Name">Its name (e.g. the ONNX file's name).</param>
/// <param name="HintInput">Its hint input's name, or null when it takes no hint.</param>
/// <param name="InputSize">Features per sample.</param>
/// <param name="ClassCount">Classes it scores.</param>
[GenerateSerializer, Immutable, Alias("kcm.large-description")]
public sealed record LargeModelDescription(string Name, string? HintInput, int InputSize, int ClassCount);
