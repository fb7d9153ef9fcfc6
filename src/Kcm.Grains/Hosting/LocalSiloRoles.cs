using Kcm.Placement;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Kcm.Grains.Hosting;

/// <summary>This silo's roles, as AddKcmPlacement declared them in its silo metadata (none when it was not called).</summary>
public sealed class LocalSiloRoles(IOptions<SiloMetadata> metadata)
{
    private readonly string? _roles = metadata.Value.Metadata.GetValueOrDefault(SiloRoles.MetadataKey);

    /// <summary>Whether this silo hosts the judge and large model (role gpu).</summary>
    public bool IsGpu => SiloRoles.Contains(_roles, SiloRoles.Gpu);

    /// <summary>Whether this silo hosts distillation and publishes the first version (role distiller).</summary>
    public bool IsDistiller => SiloRoles.Contains(_roles, SiloRoles.Distiller);
}
