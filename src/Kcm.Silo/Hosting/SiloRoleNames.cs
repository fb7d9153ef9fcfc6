namespace Kcm.Silo.Hosting;

/// <summary>Parses and prints <c>Kcm:Roles</c> values such as "front,large".</summary>
public static class SiloRoleNames
{
    public const string Front = "front";
    public const string Large = "large";
    public const string Distiller = "distiller";

    /// <summary>The default: all three roles (the embedded mode).</summary>
    public const string All = "front,large,distiller";

    /// <summary>Parses a comma-separated role list; false with the unknown name when one is not a role.</summary>
    public static bool TryParse(string? text, out SiloRoles roles, out string? unknown)
    {
        roles = SiloRoles.None;
        unknown = null;
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var role = part.ToLowerInvariant() switch
            {
                Front => SiloRoles.Front,
                Large => SiloRoles.Large,
                Distiller => SiloRoles.Distiller,
                _ => SiloRoles.None,
            };
            if (role == SiloRoles.None)
            {
                unknown = part;
                return false;
            }

            roles |= role;
        }

        return roles != SiloRoles.None;
    }

    /// <summary>The roles as a stable comma-separated list (the <c>roles</c> label of <c>kcm_node_info</c>).</summary>
    public static string Format(SiloRoles roles)
    {
        var names = new List<string>(3);
        if (roles.HasFlag(SiloRoles.Front))
        {
            names.Add(Front);
        }

        if (roles.HasFlag(SiloRoles.Large))
        {
            names.Add(Large);
        }

        if (roles.HasFlag(SiloRoles.Distiller))
        {
            names.Add(Distiller);
        }

        return string.Join(',', names);
    }
}
