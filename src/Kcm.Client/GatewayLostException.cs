namespace Kcm.Client;

/// <summary>A try was abandoned because a gateway connection closed while it waited (see <see cref="GatewayLossSignal"/>); retried.</summary>
internal sealed class GatewayLostException()
    : Exception("A gateway connection closed while the call waited for its answer; the call may not have reached a silo.");
