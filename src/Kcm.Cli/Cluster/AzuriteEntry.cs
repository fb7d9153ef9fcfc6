using System.Text.Json.Serialization;

namespace Kcm.Cli.Cluster;

/// <summary>The cluster's Azurite (the Azure Storage emulator) as recorded in the state file; its account is not recorded there (<see cref="StorageAccount"/>).</summary>
/// <param name="Pid">Node.js running Azurite.</param>
/// <param name="BlobPort">Loopback blob port.</param>
/// <param name="QueuePort">Loopback queue port.</param>
/// <param name="TablePort">Loopback table port.</param>
/// <param name="Location">Its data folder (<c>--location</c>).</param>
internal sealed record AzuriteEntry(int Pid, int BlobPort, int QueuePort, int TablePort, string Location)
{
    /// <summary>True while the recorded process still runs this Azurite (its command line names the data folder).</summary>
    [JsonIgnore]
    public bool IsAlive => UnixProcess.CommandLineContains(Pid, "--location " + Location);
}
