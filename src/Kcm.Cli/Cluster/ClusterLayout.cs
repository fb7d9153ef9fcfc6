namespace Kcm.Cli.Cluster;

/// <summary>Where a local cluster keeps its files: state, shared model store, silo logs and the private broker.</summary>
internal sealed class ClusterLayout(string folder)
{
    /// <summary>The default folder, under the repository (KCM_HOME).</summary>
    public const string DefaultFolder = ".kcm/cluster";

    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>Pids, ports and roles of what <c>cluster up</c> started; <c>cluster down</c> reads it.</summary>
    public string StateFile => Path.Combine(Folder, "state.json");

    /// <summary>Held while <c>up</c> or <c>down</c> runs, so two of them never interleave.</summary>
    public string LockFile => Path.Combine(Folder, ".lock");

    /// <summary>The model store every silo shares (the same folder is what makes it shared on one machine).</summary>
    public string Store => Path.Combine(Folder, "store");

    public string Logs => Path.Combine(Folder, "logs");

    public string BrokerFolder => Path.Combine(Folder, "broker");

    public string SiloLog(string nodeId) => Path.Combine(Logs, nodeId + ".log");
}
