namespace Kcm.Placement;

/// <summary>Keeps only silos declaring the <see cref="SiloRoles.Gpu"/> role.</summary>
public sealed class GpuPlacementFilterStrategy : RolePlacementFilterStrategy
{
    /// <summary>Orleans creates the strategy itself (then reads the order from the grain's properties).</summary>
    public GpuPlacementFilterStrategy()
        : this(0)
    {
    }

    /// <summary>Creates the filter at position <paramref name="order"/> among the grain's filters.</summary>
    public GpuPlacementFilterStrategy(int order)
        : base(SiloRoles.Gpu, order)
    {
    }
}
