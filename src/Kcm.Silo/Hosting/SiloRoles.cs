namespace Kcm.Silo.Hosting;

/// <summary>What a silo does, any combination (configuration key <c>Kcm:Roles</c>, comma-separated).</summary>
[Flags]
public enum SiloRoles
{
    None = 0,

    /// <summary>The HTTP inference API, the judge and the small model.</summary>
    Front = 1,

    /// <summary>Large-model pool workers.</summary>
    Large = 2,

    /// <summary>The distiller (one active, others hot standbys).</summary>
    Distiller = 4,

    /// <summary>The embedded default: everything in one process.</summary>
    All = Front | Large | Distiller,
}
