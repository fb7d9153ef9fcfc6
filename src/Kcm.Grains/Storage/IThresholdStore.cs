namespace Kcm.Grains.Storage;

/// <summary>Where the judge keeps its threshold across restarts.</summary>
public interface IThresholdStore
{
    /// <summary>The persisted threshold, or null when none was ever saved.</summary>
    Task<double?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Persists <paramref name="epsilon"/> durably before returning.</summary>
    Task SaveAsync(double epsilon, CancellationToken cancellationToken);
}
