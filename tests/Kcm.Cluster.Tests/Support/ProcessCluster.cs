using System.Text.Json;
using Kcm.Client;

namespace Kcm.Cluster.Tests.Support;

/// <summary>
/// A local cluster of real silo processes started with <c>kcm cluster up</c> in a temporary folder (its own broker,
/// store and logs), stopped with <c>kcm cluster down</c>. Small seed sizes keep a first start to seconds.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    /// <summary>Settings every test cluster's silos get: a small, fast seed training, a judge that sends most samples to the large model.</summary>
    public static readonly string[] FastSiloSettings =
    [
        "--Kcm:Embedded:SeedSamples=1000", "--Kcm:Embedded:Epochs=1", "--Kcm:Embedded:CheckSamples=500", "--Kcm:Embedded:ReplayRecords=1000",
        "--Kcm:DefaultThreshold=0.9999",
    ];

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private readonly string[] _siloSettings;

    private ProcessCluster(string folder, string[] siloSettings, ClusterStateFile state)
    {
        Folder = folder;
        _siloSettings = siloSettings;
        State = state;
    }

    public string Folder { get; }

    public string Store => Path.Combine(Folder, "store");

    public ClusterStateFile State { get; private set; }

    /// <summary>The output of the last <c>cluster up</c>.</summary>
    public string UpOutput { get; private set; } = string.Empty;

    public static async Task<ProcessCluster> StartAsync(int fronts, int large, int distillers, params string[] siloSettings)
    {
        var folder = Directory.CreateTempSubdirectory("kcm-cluster-").FullName;
        var cluster = new ProcessCluster(folder, [.. FastSiloSettings, .. siloSettings], new ClusterStateFile(null, string.Empty, []));
        try
        {
            await cluster.UpAsync(fronts, large, distillers);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>cluster up</c> with these counts (it starts only what is missing) and reloads the state.</summary>
    public async Task UpAsync(int fronts, int large, int distillers)
    {
        var (code, output) = await KcmCli.RunAsync(
            ["cluster", "up", "--folder", Folder, "--fronts", $"{fronts}", "--large", $"{large}", "--distillers", $"{distillers}",
             "--ready-timeout", "240", .. _siloSettings],
            TimeSpan.FromMinutes(5));
        UpOutput = output;
        Assert.True(code == 0, $"kcm cluster up failed ({code}):\n{output}");
        State = JsonSerializer.Deserialize<ClusterStateFile>(File.ReadAllText(Path.Combine(Folder, "state.json")), Json)!;
    }

    public ClusterStateFile.Silo Silo(string nodeId) => State.Silos.Single(s => s.NodeId == nodeId);

    public KcmClient Client(string nodeId, KcmClientOptions? options = null) => new(new Uri(Silo(nodeId).Url), options);

    public KcmClient AdminClient(string nodeId) => new(new Uri(Silo(nodeId).Url), new KcmClientOptions { AdminToken = State.AdminToken });

    /// <summary>The sum of every sample of metric <paramref name="name"/> on a silo whose labels contain <paramref name="labelFilter"/>.</summary>
    public async Task<double> MetricAsync(string nodeId, string name, string labelFilter = "")
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(Silo(nodeId).Url + "/metrics"));
        return PrometheusSum(text, name, labelFilter);
    }

    public static double PrometheusSum(string text, string name, string labelFilter)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (!(rest.StartsWith('{') || rest.StartsWith(' ')) || !rest.Contains(labelFilter, StringComparison.Ordinal))
            {
                continue;
            }

            sum += double.Parse(rest[(rest.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return sum;
    }

    public string LogTail(string nodeId) => string.Join('\n', File.ReadLines(Silo(nodeId).Log).TakeLast(40));

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(Folder, "state.json")))
        {
            await KcmCli.RunAsync(["cluster", "down", "--folder", Folder, "--grace", "5"], TimeSpan.FromMinutes(2));
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
