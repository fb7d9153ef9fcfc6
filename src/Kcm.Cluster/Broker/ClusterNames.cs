namespace Kcm.Cluster.Broker;

/// <summary>Every queue and exchange name of the cluster fabric, in one place (a deploy helper writes alerts against them).</summary>
public static class ClusterNames
{
    /// <summary>The durable quorum work queue of one large model, consumed by every <c>large</c> silo.</summary>
    public static string LargeWorkQueue(string model) => "kcm.large." + model;

    /// <summary>The durable quorum queue of teacher records of one model, consumed by the active distiller.</summary>
    public static string TeacherQueue(string model) => "kcm.teachers." + model;

    /// <summary>Where teacher records that cannot be decoded (or are redelivered too often) end, with the reason in a header.</summary>
    public static string TeacherDeadLetterQueue(string model) => "kcm.teachers." + model + ".dead";

    /// <summary>A front's own exclusive reply queue for large-model answers.</summary>
    public static string ReplyQueue(string nodeId, string instance) => "kcm.reply." + nodeId + "." + instance;

    /// <summary>The fanout exchange on which new current versions of a model series are announced to every node.</summary>
    public static string SwapExchange(string series) => "kcm.swaps." + series;

    /// <summary>A durable queue bound to <see cref="SwapExchange"/> that keeps only the latest announcement (for nodes that start later).</summary>
    public static string CurrentVersionQueue(string series) => "kcm.swaps." + series + ".current";

    /// <summary>A node's own exclusive queue bound to <see cref="SwapExchange"/>.</summary>
    public static string SwapListenerQueue(string series, string nodeId, string instance) => "kcm.swaps." + series + "." + nodeId + "." + instance;
}
