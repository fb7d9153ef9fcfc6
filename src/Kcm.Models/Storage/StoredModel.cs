namespace Kcm.Models.Storage;

/// <summary>One stored version of a named model: its number, when it was made, its content hash and check accuracy.</summary>
/// <param name="Name">The model series (e.g. "fashion-mnist.small").</param>
/// <param name="Version">Monotonic version number within the series, starting at 1.</param>
/// <param name="CreatedUtc">When the version was stored.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the stored bytes; verified on every load.</param>
/// <param name="CheckAccuracy">Accuracy on the held-out check set when it was made (NaN when unknown).</param>
/// <param name="SizeBytes">Length of the stored bytes.</param>
public sealed record StoredModel(string Name, int Version, DateTimeOffset CreatedUtc, string Sha256, double CheckAccuracy, long SizeBytes);
