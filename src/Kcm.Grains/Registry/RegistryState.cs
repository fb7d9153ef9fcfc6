using Kcm.Abstractions.Registry;

namespace Kcm.Grains.Registry;

/// <summary>The registry's stored state: the kept serving versions, oldest first (the last is current), and the last number given.</summary>
[GenerateSerializer, Alias("kcm.registry-state")]
public sealed class RegistryState
{
    /// <summary>Kept versions, oldest first; bounded by <c>Kcm:HistoryLength</c>.</summary>
    [Id(0)]
    public List<ServingVersion> History { get; set; } = [];

    /// <summary>The last version number given (numbers are never reused, even after the history drops old ones).</summary>
    [Id(1)]
    public int LastVersion { get; set; }
}
