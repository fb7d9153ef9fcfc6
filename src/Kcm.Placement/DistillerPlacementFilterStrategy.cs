namespace Kcm.Placement;

/// <summary>Keeps only silos declaring the <see cref="SiloRoles.Distiller"/> role.</summary>
public sealed class DistillerPlacementFilterStrategy : RolePlacementFilterStrategy
{
    /// <summary>Orleans creates the strategy itself (then reads the order from the grain's properties).</summary>
    public DistillerPlacementFilterStrategy()
        : this(0)
    {
    }

    /// <summary>Creates the filter at position <paramref name="order"/> among the grain's filters.</summary>
    public DistillerPlacementFilterStrategy(int order)
        : base(SiloRoles.Distiller, order)
    {
    }
}
