using Kcm.Abstractions.Registry;
using Kcm.Models.Storage;

namespace Kcm.Grains.Registry;

/// <summary>The registry's reference to a model store version.</summary>
public static class StoredWeightsConversion
{
    /// <summary>The <see cref="StoredWeights"/> naming <paramref name="stored"/>.</summary>
    public static StoredWeights ToStoredWeights(this StoredModel stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new StoredWeights(stored.Name, stored.Version, stored.Sha256, stored.CheckAccuracy, stored.CreatedUtc);
    }
}
