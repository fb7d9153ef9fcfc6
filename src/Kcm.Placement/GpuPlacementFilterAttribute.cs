using Orleans.Placement;

namespace Kcm.Placement;

/// <summary>Places the grain class only on silos whose metadata declares the <see cref="SiloRoles.Gpu"/> role.</summary>
/// <remarks>
/// Combines with the placement strategy (random, <c>[StatelessWorker]</c>, ...): the filter narrows the candidate
/// silos first, the strategy picks among them. With no such silo in the cluster, calls fail with
/// <see cref="NoSiloWithRoleException"/>. Give an <paramref name="order"/> only when the class has several filters.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuPlacementFilterAttribute(int order = 0)
    : PlacementFilterAttribute(new GpuPlacementFilterStrategy(order));
