namespace Kcm.Grains.Ensemble;

/// <summary>Decoding failed after the generation stream started; the stream ends with it.</summary>
public sealed class GenerationFailedException(string message, Exception inner) : Exception(message, inner);
