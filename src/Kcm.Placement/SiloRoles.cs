namespace Kcm.Placement;

/// <summary>The roles a KCM silo can declare, and the silo metadata key that carries them to the rest of the cluster.</summary>
public static class SiloRoles
{
    /// <summary>Silo metadata key whose value is the silo's comma-separated role list (for example <c>gpu,cpu</c>).</summary>
    public const string MetadataKey = "kcm.roles";

    /// <summary>The silo has a GPU that ONNX Runtime's CUDA provider can use.</summary>
    public const string Gpu = "gpu";

    /// <summary>The silo serves CPU-bound models.</summary>
    public const string Cpu = "cpu";

    /// <summary>The silo runs distillation (training the small model from the large one).</summary>
    public const string Distiller = "distiller";

    /// <summary>Every role a silo may declare, in canonical order.</summary>
    public static IReadOnlyList<string> All { get; } = [Gpu, Cpu, Distiller];

    /// <summary>Parses a comma-separated role list into distinct canonical role names (empty for none).</summary>
    /// <exception cref="ArgumentException">An entry is not one of <see cref="All"/>; the message names it.</exception>
    public static IReadOnlyList<string> Parse(string? roles)
    {
        var parsed = new List<string>();
        if (string.IsNullOrWhiteSpace(roles))
        {
            return parsed;
        }

        foreach (var entry in roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Configuration and environment variables are typed by people: "GPU" means gpu, "gpus" is a mistake.
            var role = All.FirstOrDefault(known => string.Equals(known, entry, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(
                    $"Unknown silo role '{entry}' in '{roles}'; known roles: {string.Join(", ", All)}.", nameof(roles));
            if (!parsed.Contains(role))
            {
                parsed.Add(role);
            }
        }

        // Canonical order, so equal role sets are equal metadata strings on every silo.
        return [.. All.Where(parsed.Contains)];
    }

    /// <summary>Whether a role list read from silo metadata contains <paramref name="role"/>.</summary>
    /// <remarks>
    /// Deliberately lenient (no validation): the list comes from another silo, possibly a newer build that knows a
    /// role this one does not, and placement must not fail because of a role it does not ask about.
    /// </remarks>
    public static bool Contains(string? roles, string role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        return roles is not null
            && roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Any(entry => string.Equals(entry, role, StringComparison.OrdinalIgnoreCase));
    }
}
