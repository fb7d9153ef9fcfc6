using Orleans.Placement;

namespace Kcm.Placement;

/// <summary>A placement filter that keeps only silos declaring one role (see <see cref="SiloRoles"/>).</summary>
/// <remarks>
/// One subclass per role rather than one class with the role as a grain property: Orleans keys filter strategies by
/// their type name, so a grain carrying two role filters (gpu and distiller) needs two distinct types.
/// </remarks>
public abstract class RolePlacementFilterStrategy : PlacementFilterStrategy
{
    /// <summary>Creates the filter for <paramref name="role"/>, run at position <paramref name="order"/> among the grain's filters.</summary>
    protected RolePlacementFilterStrategy(string role, int order)
        : base(order)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        Role = role;
    }

    /// <summary>The role a silo must declare to host the grain.</summary>
    public string Role { get; }
}
