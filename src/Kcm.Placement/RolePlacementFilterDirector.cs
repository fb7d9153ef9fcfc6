using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Kcm.Placement;

/// <summary>Keeps the candidate silos whose <see cref="SiloRoles.MetadataKey"/> metadata contains the strategy's role.</summary>
/// <remarks>
/// One director serves every <see cref="RolePlacementFilterStrategy"/>: Orleans resolves a director per strategy type,
/// and the role comes from the strategy instance. Runs on whichever silo places the grain (for an external client's
/// call, its gateway silo), so every silo must register it (see <see cref="SiloBuilderPlacementExtensions"/>).
/// </remarks>
public sealed class RolePlacementFilterDirector(ISiloMetadataCache siloMetadata) : IPlacementFilterDirector
{
    /// <inheritdoc />
    /// <exception cref="NoSiloWithRoleException">No candidate silo declares the role.</exception>
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var role = (filterStrategy as RolePlacementFilterStrategy
            ?? throw new ArgumentException($"Expected a {nameof(RolePlacementFilterStrategy)}, got {filterStrategy.GetType().Name}.", nameof(filterStrategy))).Role;
        var candidates = silos.ToArray();
        var matching = Array.FindAll(candidates, silo => SiloRoles.Contains(RolesOf(silo), role));
        if (matching.Length == 0)
        {
            // Orleans itself would throw an OrleansException saying "No active nodes are compatible with grain ...",
            // listing the very silos that do host the grain type and not mentioning the filter: this names the role.
            throw new NoSiloWithRoleException(role, target.GrainIdentity.Type.ToString(), Describe(candidates));
        }

        return matching;
    }

    private string? RolesOf(SiloAddress silo) => siloMetadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(SiloRoles.MetadataKey);

    private string Describe(SiloAddress[] candidates)
    {
        if (candidates.Length == 0)
        {
            return "none";
        }

        // The cache answers empty metadata for a silo it has not fetched yet (it fills in from membership updates).
        return string.Join(", ", candidates.Select(silo => RolesOf(silo) switch
        {
            null => $"{silo} (no '{SiloRoles.MetadataKey}' metadata known)",
            "" => $"{silo} (no roles)",
            var roles => $"{silo} (roles: {roles})",
        }));
    }
}
