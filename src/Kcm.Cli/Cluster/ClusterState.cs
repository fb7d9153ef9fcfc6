using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kcm.Cli.Cluster;

/// <summary>
/// What <c>cluster up</c> started, saved after every start so <c>cluster down</c> can stop even a half-started cluster.
/// The secrets are not in the state file: <see cref="Load"/> reads them from their own files of mode 0600.
/// </summary>
/// <param name="Azurite">The cluster's Azurite, or null before it was started.</param>
/// <param name="AdminToken">The admin API token every silo was given (from <see cref="ClusterLayout.AdminTokenFile"/>; not in the state file).</param>
/// <param name="ClusterId">The Orleans cluster id (membership rows; clients name it).</param>
/// <param name="ServiceId">The Orleans service id (grain state and reminders; clients name it).</param>
/// <param name="Silos">The silo processes.</param>
internal sealed record ClusterState(AzuriteEntry? Azurite, [property: JsonIgnore] string AdminToken, string ClusterId, string ServiceId, IReadOnlyList<SiloEntry> Silos)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The first port of the cluster's block when <c>--port</c> chose them (<see cref="PortBlock"/>); null when the kernel did.</summary>
    public int? FirstPort { get; init; }

    /// <summary>Whether the silos run mutual TLS on their Orleans ports (<c>--tls</c>; certificates in <see cref="ClusterLayout.TlsFolder"/>).</summary>
    public bool Tls { get; init; }

    /// <summary>Azurite's account (from <see cref="ClusterLayout.StorageConnectionFile"/>; not in the state file).</summary>
    [JsonIgnore]
    public StorageAccount? Account { get; init; }

    /// <summary>The connection string every silo gets as <c>Kcm:AzureStorage:ConnectionString</c> (through its environment).</summary>
    [JsonIgnore]
    public string StorageConnection => Account is { } account && Azurite is { } azurite
        ? account.ConnectionString(azurite)
        : throw new InvalidOperationException("Azurite or its account is not known yet.");

    /// <summary>Every silo's gateway, for <c>KcmClientOptions.Gateways</c>.</summary>
    [JsonIgnore]
    public IReadOnlyList<IPEndPoint> Gateways => [.. Silos.Select(s => s.Gateway)];

    /// <summary>
    /// Reads the state file and the secrets beside it; null when there is no state file. A corrupt file is an error naming
    /// the file. A missing secret file leaves <see cref="AdminToken"/> empty or <see cref="Account"/> null.
    /// </summary>
    public static ClusterState? Load(ClusterLayout layout)
    {
        if (!File.Exists(layout.StateFile))
        {
            return null;
        }

        ClusterState state;
        try
        {
            state = JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(layout.StateFile), Json)
                ?? throw new InvalidDataException("empty document");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ClusterException($"The state file {layout.StateFile} is unreadable ({e.Message}); stop its processes by hand and delete it.");
        }

        return state with
        {
            AdminToken = PrivateFile.ReadOrNull(layout.AdminTokenFile) ?? "",
            Account = PrivateFile.ReadOrNull(layout.StorageConnectionFile) is { } connection ? StorageAccount.FromConnectionString(connection) : null,
        };
    }

    /// <summary>Writes the state file atomically (a crash mid-write never leaves half a file), mode 0600.</summary>
    public void Save(ClusterLayout layout)
    {
        PrivateFile.CreateFolder(layout.Folder);
        PrivateFile.Write(layout.StateFile, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>The record's text without the admin token (a record prints every member by default).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Azurite = {Azurite}, ClusterId = {ClusterId}, ServiceId = {ServiceId}, Silos = {Silos.Count}, FirstPort = {FirstPort}, Tls = {Tls}");
        return true;
    }
}
