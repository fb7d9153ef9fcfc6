using Kcm.Core.Models;

namespace Kcm.Grains.Small;

/// <summary>
/// One loaded small model version: immutable, so a request that took this snapshot finishes on it even if a swap
/// happens meanwhile, and names <see cref="Version"/> in its response.
/// </summary>
/// <param name="Version">The store's version number.</param>
/// <param name="Model">The fully constructed classifier (never published half-loaded).</param>
/// <param name="CreatedUtc">When the version was stored.</param>
/// <param name="Sha256">Hex SHA-256 of the stored weights.</param>
/// <param name="CheckAccuracy">Accuracy on the check set when it was made.</param>
public sealed record SmallModelVersion(int Version, IClassifier Model, DateTimeOffset CreatedUtc, string Sha256, double CheckAccuracy);
