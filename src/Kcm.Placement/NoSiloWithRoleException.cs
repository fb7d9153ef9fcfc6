using Orleans.Runtime;

namespace Kcm.Placement;

/// <summary>A grain restricted to a silo role (for example gpu) was called while no active silo declares that role.</summary>
/// <remarks>
/// Thrown by <see cref="RolePlacementFilterDirector"/> on the silo that places the grain and carried back to the caller
/// (a grain or an external client) as the call's exception; serializable for that trip.
/// </remarks>
[GenerateSerializer]
public sealed class NoSiloWithRoleException : OrleansException
{
    /// <summary>For the serializer.</summary>
    public NoSiloWithRoleException()
        : base("No active silo declares the role the grain requires.")
    {
    }

    /// <summary>Creates the exception with a prepared message.</summary>
    public NoSiloWithRoleException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a prepared message and its cause.</summary>
    public NoSiloWithRoleException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="role"/> and <paramref name="grainType"/>, listing what each candidate silo declares.</summary>
    public NoSiloWithRoleException(string role, string grainType, string candidates)
        : base(
            $"No active silo declares role '{role}' (silo metadata '{SiloRoles.MetadataKey}'), so grain type '{grainType}' "
            + $"cannot be placed. Candidate silos: {candidates}. Start a silo with AddKcmPlacement(\"{role}\"), or, "
            + "if one just joined, retry: other silos learn its metadata shortly after it joins.")
    {
        Role = role;
    }

    /// <summary>The role no silo declares (empty when the exception was made from a bare message).</summary>
    [Id(0)]
    public string Role { get; private set; } = "";
}
