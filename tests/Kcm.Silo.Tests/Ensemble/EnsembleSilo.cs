using Kcm.Client;
using Kcm.DeePEn.Ensemble;
using Kcm.Grains.Ensemble;
using Kcm.Onnx;
using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>
/// One real silo serving the State of the Union ensemble for the generation tests, and the same ensemble loaded in
/// process as the reference. The models are copied first, so both load the same files even while the background
/// training job rewrites models/sotu-*; the manifest has no adaptive weights, so mode "adapt" is unavailable here.
/// </summary>
public sealed class EnsembleSilo : IAsyncLifetime
{
    public const string Model = "sotu-test";
    public const int MaxConcurrentGenerations = 2;
    public const int MaxQueuedGenerations = 1;

    private static readonly string[] Members = ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"];
    private TestSilo? _silo;
    private EnsemblePool? _reference;
    private KcmClient? _client;

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "kcm-ensemble-test-" + Guid.NewGuid().ToString("N"));

    public string ManifestPath => Path.Combine(Folder, "ensemble.json");

    public static OnnxSessionOptions OnnxOptions { get; } = new() { IntraOpThreads = 1 };

    internal TestSilo Silo => _silo ?? throw new InvalidOperationException("Not started.");

    /// <summary>The same ensemble, loaded in this process.</summary>
    public EnsemblePool Reference => _reference ?? throw new InvalidOperationException("Not started.");

    /// <summary>An SDK client of the silo, without retries.</summary>
    public KcmClient Client => _client ?? throw new InvalidOperationException("Not started.");

    public IEnsembleGrain Grain => Silo.Host.Services.GetRequiredService<EnsembleNode>().Grain!;

    public async Task InitializeAsync()
    {
        CopyModels(Folder);
        File.WriteAllText(ManifestPath, $$"""{ "name": "{{Model}}", "members": ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], "main": "sotu-sp2k" }""");
        _reference = EnsemblePool.Load(ManifestPath, OnnxOptions);
        _silo = await TestSilo.StartAsync(Settings(ManifestPath));
        _client = new KcmClient(_silo.Host.Addresses[0], new KcmClientOptions { MaxRetries = 0, OverallTimeout = TimeSpan.FromSeconds(60), AttemptTimeout = TimeSpan.FromSeconds(60) });
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _reference?.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Silo settings serving <paramref name="manifest"/>.</summary>
    public static Dictionary<string, string> Settings(string manifest) => new()
    {
        ["Kcm:Ensemble:Manifest"] = manifest,
        ["Kcm:Ensemble:MaxConcurrentGenerations"] = MaxConcurrentGenerations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Kcm:Ensemble:MaxQueuedGenerations"] = MaxQueuedGenerations.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Copies the three State of the Union model folders into <paramref name="folder"/>.</summary>
    public static void CopyModels(string folder)
    {
        foreach (var member in Members)
        {
            var target = Directory.CreateDirectory(Path.Combine(folder, member)).FullName;
            foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("models", member)))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }
    }
}
