using Orleans.Placement;

namespace Kcm.Placement;

/// <summary>Places the grain class only on silos whose metadata declares the <see cref="SiloRoles.Distiller"/> role.</summary>
/// <remarks>
/// With no such silo in the cluster, calls fail with <see cref="NoSiloWithRoleException"/>. Give an
/// <paramref name="order"/> only when the class has several filters (Orleans requires distinct orders).
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DistillerPlacementFilterAttribute(int order = 0)
    : PlacementFilterAttribute(new DistillerPlacementFilterStrategy(order));
