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
            var sessionOptions = new OnnxSessionOptions { IntraOpThreads = settings.IntraOpThreads };
            // Mapped from a cache per ensemble name: a restart maps the files (milliseconds) instead of rebuilding them.
            var cache = settings.RelativeCachePath is { Length: > 0 } folder ? SiloPaths.Resolve(folder) : null;
            pool = await Task.Run(() => EnsemblePool.Load(path, sessionOptions, cache), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new EnsembleStartException($"{KcmSiloOptions.SectionName}:{nameof(KcmSiloOptions.Ensemble)}:{nameof(EnsembleOptions.Manifest)} '{path}' does not load: {e.Message}", e);
        }

        if (pool.RelativeCacheProblem is { } problem)
        {
            _logger.LogWarning("The relative-matrix cache cannot be used ({Problem}); the matrices were built in memory.", problem);
        }

        var grain = new EnsembleGrain(pool, settings, instruments, loggers.CreateLogger<EnsembleGrain>());
        node.Ready(grain);
        // Running streams end (with an error event saying so) as soon as shutdown begins, rather than holding it up.
        lifetime.ApplicationStopping.Register(() => _ = grain.StopGenerationsAsync());
        _logger.LogInformation(
            "Ensemble {Name} loaded in {Seconds:F1} s: members {Members}, main {Main}; generation at POST /v1/models/{Name}/generate.",
            pool.Name, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, string.Join(", ", pool.Members.Select(m => m.Name)), pool.Main.Name, pool.Name);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (node.Take() is { } grain)
        {
            await grain.DisposeAsync().ConfigureAwait(false);
        }
    }
}
