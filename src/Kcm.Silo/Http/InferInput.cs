namespace Kcm.Silo.Http;

/// <summary>A validated infer batch: rows x features row-major in an array handed to the judge grain's message.</summary>
/// <param name="Features">Exactly <paramref name="BatchSize"/> x the model's input size values; not changed after reading.</param>
/// <param name="BatchSize">Samples in the batch (at least 1).</param>
/// <param name="ReturnProbabilities">Whether the answer carries every sample's class probabilities.</param>
internal sealed record InferInput(float[] Features, int BatchSize, bool ReturnProbabilities);
