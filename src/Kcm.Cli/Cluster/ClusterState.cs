using System.Text.Json;

namespace Kcm.Cli.Cluster;

/// <summary>What <c>cluster up</c> started, saved after every start so <c>cluster down</c> can stop even a half-started cluster.</summary>
/// <param name="Broker">The private broker, or null when none was started.</param>
/// <param name="AdminToken">The admin API token every silo was given.</param>
/// <param name="Silos">The silo processes.</param>
internal sealed record ClusterState(BrokerEntry? Broker, string AdminToken, IReadOnlyList<SiloEntry> Silos)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Reads the state file; null when there is none. A corrupt file is an error naming the file.</summary>
    public static ClusterState? Load(ClusterLayout layout)
    {
        if (!File.Exists(layout.StateFile))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(layout.StateFile), Json)
                ?? throw new InvalidDataException("empty document");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ClusterException($"The state file {layout.StateFile} is unreadable ({e.Message}); stop its processes by hand and delete it.");
        }
    }

    /// <summary>Writes the state file atomically (a crash mid-write never leaves half a file).</summary>
    public void Save(ClusterLayout layout)
    {
        Directory.CreateDirectory(layout.Folder);
        var temporary = layout.StateFile + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, layout.StateFile, overwrite: true);
    }
}
