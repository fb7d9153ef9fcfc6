namespace Kcm.Cluster.Broker;

/// <summary>The message broker cannot be reached or refused an operation; the operation may be retried later.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
