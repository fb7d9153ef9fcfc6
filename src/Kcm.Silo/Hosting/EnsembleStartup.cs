using Kcm.DeePEn.Ensemble;
using Kcm.Grains.Ensemble;
using Kcm.Onnx;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Loads the ensemble of <c>Kcm:Ensemble:Manifest</c> before the silo listens (a bad manifest or model folder stops the
/// start with <see cref="EnsembleStartException"/> naming the file), and stops its generations when shutdown begins.
/// </summary>
internal sealed class EnsembleStartup(
    EnsembleNode node,
    IOptions<KcmSiloOptions> options,
    EnsembleInstruments instruments,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger<EnsembleStartup>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Ensemble;
        if (settings.Manifest is not { } manifest)
        {
            return;
        }

        var path = SiloPaths.Resolve(manifest);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        EnsemblePool pool;
        try
        {
            var sessionOptions = new OnnxSessionOptions { IntraOpThreads = settings.IntraOpThreads, LibraryPath = settings.OnnxLibraryPath };
            // Mapped from a cache per ensemble name: a restart maps the files (milliseconds) instead of rebuilding them.
            var cache = settings.RelativeCachePath is { Length: > 0 } folder ? SiloPaths.Resolve(folder) : null;
            pool = await Task.Run(() => Load(path, sessionOptions, cache), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new EnsembleStartException($"{KcmSiloOptions.SectionName}:{nameof(KcmSiloOptions.Ensemble)}:{nameof(EnsembleOptions.Manifest)} '{path}' does not load: {e.Message}", e);
        }

        var grain = new EnsembleGrain(pool, settings, instruments, loggers.CreateLogger<EnsembleGrain>());
        node.Ready(grain);
        // Running streams end (with an error event saying so) as soon as shutdown begins, rather than holding it up.
        lifetime.ApplicationStopping.Register(() => _ = grain.StopGenerationsAsync());
        _logger.LogInformation(
            "Ensemble {Name} loaded in {Seconds:F1} s: members {Members}, main {Main}; generation at POST /v1/models/{Name}/generate.",
            pool.Name, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, string.Join(", ", pool.Members.Select(m => m.Name)), pool.Main.Name, pool.Name);
    }

    // A cache folder that cannot be written (a read-only file system without the volume) costs start-up time, not the
    // start: the matrices are then built in memory, with a warning. (A missing model file fails the retry the same way.)
    private EnsemblePool Load(string manifestPath, OnnxSessionOptions sessionOptions, string? cache)
    {
        if (cache is null)
        {
            return EnsemblePool.Load(manifestPath, sessionOptions);
        }

        var folder = Path.Combine(cache, EnsembleManifest.Read(manifestPath).Name);
        try
        {
            return EnsemblePool.Load(manifestPath, sessionOptions, folder);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            _logger.LogWarning("The relative-matrix cache {Folder} cannot be used ({Reason}); building the matrices in memory.", folder, e.Message);
            return EnsemblePool.Load(manifestPath, sessionOptions);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (node.Take() is { } grain)
        {
            await grain.DisposeAsync().ConfigureAwait(false);
        }
    }
}
