using System.Security.Cryptography;
using System.Text;

namespace Kcm.Cli.Cluster;

/// <summary>Where a local Orleans cluster keeps its files: state, secrets, Azurite's data, the shared model store, logs.</summary>
internal sealed class ClusterLayout(string folder)
{
    /// <summary>The default folder, under the repository (KCM_HOME).</summary>
    public const string DefaultFolder = ".kcm/cluster";

    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>
    /// The cluster's name, its Orleans cluster id and service id: <c>kcm-</c>, the folder's own name and 8 hex digits of
    /// its full path. The same folder keeps its name across <c>down</c> and <c>up</c> (grain state and reminders are
    /// keyed by the service id); two folders never share one, so a client pointed at the other cluster's gateway is
    /// refused by Orleans' cluster id check instead of being served by the wrong cluster.
    /// </summary>
    public string Name
    {
        get
        {
            var own = new string([.. Path.GetFileName(Folder.TrimEnd('/')).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Folder)))[..8];
            own = own[..Math.Min(own.Length, 24)];
            return own.Length == 0 ? $"kcm-{hash}" : own.StartsWith("kcm", StringComparison.Ordinal) ? $"{own}-{hash}" : $"kcm-{own}-{hash}";
        }
    }

    /// <summary>Pids, ports and roles of what <c>cluster up</c> started; <c>cluster down</c> reads it. Holds no secret (mode 0600 all the same).</summary>
    public string StateFile => Path.Combine(Folder, "state.json");

    /// <summary>The admin API token (mode 0600): <c>Authorization: Bearer $(cat admin-token)</c>. Kept across <c>down</c>.</summary>
    public string AdminTokenFile => Path.Combine(Folder, "admin-token");

    /// <summary>The storage connection string with Azurite's account key (mode 0600). Kept across <c>down</c>: the account owns Azurite's data.</summary>
    public string StorageConnectionFile => Path.Combine(Folder, "storage-connection");

    /// <summary>Azurite's data (<c>--location</c>): membership, grain state, reminders, queue and blobs survive a restart.</summary>
    public string AzuriteData => Path.Combine(Folder, "azurite");

    /// <summary>The model store folder every silo is given (one folder on one machine is shared).</summary>
    public string Store => Path.Combine(Folder, "store");

    /// <summary>
    /// With <c>--tls</c>: the member certificate, its key and the cluster's authority (<c>tls.crt</c>, <c>tls.key</c>,
    /// <c>ca.crt</c>, mode 0600), which every silo and local client presents. Kept across <c>down</c>.
    /// </summary>
    public string TlsFolder => Path.Combine(Folder, "tls");

    public string Logs => Path.Combine(Folder, "logs");

    public string AzuriteLog => Path.Combine(Logs, "azurite.log");

    public string SiloLog(string nodeId) => Path.Combine(Logs, nodeId + ".log");
}
