using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Kcm.Client;

/// <summary>The failures after which the same call may succeed: no silo or gateway answered, or none in time.</summary>
internal static class TransientFailures
{
    /// <summary>
    /// Silo-unavailable and other message rejections (the silo died or is stopping), a failed connection, a busy
    /// gateway, Orleans' response timeout (surfaced as <see cref="TimeoutException"/>), and a try abandoned because a
    /// gateway's connection closed while it waited (<see cref="GatewayLostException"/>).
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException or TimeoutException or GatewayLostException;
}
