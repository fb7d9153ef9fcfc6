namespace Kcm.Cli.Cluster;

/// <summary>A cluster command that cannot proceed, with a message for the user (printed without a stack trace).</summary>
internal sealed class ClusterException(string message) : Exception(message);
