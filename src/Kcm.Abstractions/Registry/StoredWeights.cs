namespace Kcm.Abstractions.Registry;

/// <summary>A reference to one stored model version in the model store; a silo checks the SHA-256 before it serves it.</summary>
/// <param name="Series">The store's series (e.g. "fashion-mnist.small").</param>
/// <param name="Version">The version within the series.</param>
/// <param name="Sha256">Hex SHA-256 of the weights file.</param>
/// <param name="CheckAccuracy">Accuracy on the held-out check set when it was made.</param>
/// <param name="CreatedUtc">When it was stored.</param>
[GenerateSerializer, Immutable, Alias("kcm.stored-weights")]
public sealed record StoredWeights(string Series, int Version, string Sha256, double CheckAccuracy, DateTimeOffset CreatedUtc);
