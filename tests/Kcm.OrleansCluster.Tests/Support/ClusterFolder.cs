using System.Net;
using System.Text.Json;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// A folder <c>kcm cluster up</c> runs a cluster in, as the tests read it: the state file (pids, ports, cluster and service
/// id) and the two secret files beside it (a separate type: the CLI's own is internal).
/// </summary>
/// <param name="Folder">The cluster folder.</param>
public sealed record ClusterFolder(string Folder)
{
    /// <summary>Azurite's published development key: a cluster's own account must not use it.</summary>
    public const string PublishedAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public string StateFile => Path.Combine(Folder, "state.json");

    public string AdminTokenFile => Path.Combine(Folder, "admin-token");

    public string StorageConnectionFile => Path.Combine(Folder, "storage-connection");

    public string AdminToken => File.ReadAllText(AdminTokenFile);

    /// <summary>The member certificate, its key and the authority of a cluster started with <c>--tls</c>.</summary>
    public string TlsFolder => Path.Combine(Folder, "tls");

    public bool Tls => State(root => root.GetProperty("tls").GetBoolean());

    public string StorageConnection => File.ReadAllText(StorageConnectionFile);

    /// <summary>A value of the connection string, e.g. <c>AccountKey</c> (split at the first '=': a base64 key ends in '=').</summary>
    public string ConnectionValue(string name) =>
        StorageConnection.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Single(pair => pair[0] == name)[1];

    public string ClusterId => State(root => root.GetProperty("clusterId").GetString()!);

    public string ServiceId => State(root => root.GetProperty("serviceId").GetString()!);

    public int AzuritePid => State(root => root.GetProperty("azurite").GetProperty("pid").GetInt32());

    public int AzuriteBlobPort => State(root => root.GetProperty("azurite").GetProperty("blobPort").GetInt32());

    public int AzuriteTablePort => State(root => root.GetProperty("azurite").GetProperty("tablePort").GetInt32());

    /// <summary>Azurite's pid and every silo's.</summary>
    public IReadOnlyList<int> Pids =>
        [AzuritePid, .. State(root => root.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("pid").GetInt32()).ToList())];

    /// <summary>Every silo's gateway.</summary>
    public IReadOnlyList<IPEndPoint> Gateways =>
        State<IReadOnlyList<IPEndPoint>>(root => [.. root.GetProperty("silos").EnumerateArray().Select(s => new IPEndPoint(IPAddress.Loopback, s.GetProperty("gatewayPort").GetInt32()))]);

    private T State<T>(Func<JsonElement, T> read)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(StateFile));
        return read(state.RootElement);
    }
}
