namespace Kcm.Contracts;

/// <summary>One stored small model version.</summary>
/// <param name="Version">Monotonic version number.</param>
/// <param name="CreatedUtc">When the version was made.</param>
/// <param name="Sha256">Hex SHA-256 of the version's weights file.</param>
/// <param name="CheckAccuracy">Accuracy on the held-out check set when it was made.</param>
public sealed record SmallModelVersionInfo(int Version, DateTimeOffset CreatedUtc, string Sha256, double CheckAccuracy);
