using Kcm.Abstractions.Registry;

namespace Kcm.Storage.Tests.Grains;

/// <summary>
/// The persisted state of a registry probe, shaped like the model registry's (Kcm.Grains' RegistryState): the kept
/// <see cref="ServingVersion"/>s, which name weights in the model store but never hold them, bounded to
/// <see cref="HistoryLimit"/> entries so the stored row never grows.
/// </summary>
[GenerateSerializer]
[Alias("Kcm.Storage.Tests.RegistryProbeState")]
public sealed class RegistryProbeState
{
    /// <summary>Versions kept in <see cref="History"/>; older ones drop out.</summary>
    public const int HistoryLimit = 16;

    /// <summary>Kept versions, oldest first; the last is current.</summary>
    [Id(0)]
    public List<ServingVersion> History { get; set; } = [];

    /// <summary>The last version number given (never reused, even after old versions drop out).</summary>
    [Id(1)]
    public int LastVersion { get; set; }
}
