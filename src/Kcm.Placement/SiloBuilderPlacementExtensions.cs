using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Kcm.Placement;

/// <summary>Registers KCM's role-based placement on a silo.</summary>
public static class SiloBuilderPlacementExtensions
{
    /// <summary>
    /// Declares this silo's roles (comma-separated, see <see cref="SiloRoles"/>; empty for none) in its silo metadata and
    /// registers the role placement filters. Call it on every silo, including those without roles: whichever silo
    /// places a filtered grain runs the filter. It calls Orleans' <c>UseSiloMetadata</c>, so do not call that too.
    /// </summary>
    /// <exception cref="ArgumentException">A role is unknown.</exception>
    /// <exception cref="InvalidOperationException">Silo metadata is already configured on this builder.</exception>
    public static ISiloBuilder AddKcmPlacement(this ISiloBuilder builder, string roles)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var parsed = SiloRoles.Parse(roles);

        // UseSiloMetadata registers its services unconditionally: a second call would register the metadata system
        // target and cache twice. Fail at startup rather than at some later placement.
        if (builder.Services.Any(service => service.ServiceType == typeof(ISiloMetadataCache)))
        {
            throw new InvalidOperationException(
                "Silo metadata is already configured on this silo (UseSiloMetadata or AddKcmPlacement was called before); "
                + "AddKcmPlacement sets it and must be the only call.");
        }

        builder.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = string.Join(',', parsed) });
        builder.Services.AddPlacementFilter<GpuPlacementFilterStrategy, RolePlacementFilterDirector>(ServiceLifetime.Transient);
        builder.Services.AddPlacementFilter<DistillerPlacementFilterStrategy, RolePlacementFilterDirector>(ServiceLifetime.Transient);
        return builder;
    }
}
