namespace Kcm.Cluster.Broker;

/// <summary>Message header names used on the fabric.</summary>
public static class ClusterHeaders
{
    /// <summary>Unix time in milliseconds after which a large-model request is not worth computing.</summary>
    public const string Deadline = "kcm-deadline-ms";

    /// <summary>1 for the first publish of a large-model request, 2 for its retry.</summary>
    public const string Attempt = "kcm-attempt";

    /// <summary>Why a teacher record was dead-lettered.</summary>
    public const string DeadReason = "kcm-dead-reason";

    /// <summary>The node that dead-lettered a record or answered a request.</summary>
    public const string Node = "kcm-node";
}
