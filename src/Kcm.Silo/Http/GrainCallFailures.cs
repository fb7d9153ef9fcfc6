using Kcm.Placement;

namespace Kcm.Silo.Http;

/// <summary>Which exceptions of a grain call mean "the cluster cannot answer now" rather than a fault of this silo.</summary>
internal static class GrainCallFailures
{
    /// <summary>
    /// True for a call that timed out, a silo that left, a message the runtime refused (overloaded or stopping), or a
    /// grain whose role no silo has.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception is TimeoutException
        or SiloUnavailableException
        or OrleansMessageRejectionException
        or NoSiloWithRoleException;
}
