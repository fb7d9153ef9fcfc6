using Kcm.Cluster.Telemetry;
using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Pipeline;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Start-up work, in the background so <c>/healthz</c> answers at once and <c>/readyz</c> says 503 until done: opens
/// the store, gets the models from the <see cref="IServingModelSource"/>, loads the newest small model version (or
/// publishes the initial one), and starts the grains. Stops them on shutdown.
/// </summary>
internal sealed class ServingStartup(
    ServingNode node,
    IServingModelSource source,
    IOptions<KcmSiloOptions> options,
    KcmInstruments instruments,
    ClusterInstruments clusterInstruments,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<ServingStartup>();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        node.Stopping();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (node.Grains is { } grains)
        {
            await grains.DisposeAsync().ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            var settings = options.Value;
            if (settings.RabbitMq.Uri is not null)
            {
                await new ClusterServingStartup(node, source, settings, instruments, clusterInstruments, loggers).StartAsync(stoppingToken).ConfigureAwait(false);
                return;
            }

            _logger.LogInformation("Node {NodeId} runs embedded with roles {Roles} (no broker).", settings.EffectiveNodeId, SiloRoleNames.All);
            var store = new LocalDirectoryModelStore(SiloPaths.Resolve(settings.StorePath), settings.KeepVersions);
            _logger.LogInformation("Loading models for {Model} (store {Store}).", settings.ModelName, store.Root);
            var models = await source.LoadAsync(settings, store, stoppingToken).ConfigureAwait(false);

            var small = new SmallModelGrain(settings.ModelName + ".small", store, models.SmallCodec, instruments, loggers.CreateLogger<SmallModelGrain>());
            if (!await small.TryLoadNewestAsync(stoppingToken).ConfigureAwait(false))
            {
                _logger.LogInformation("No stored small model loads; making the initial one.");
                var initial = await Task.Run(() => models.InitialSmall(stoppingToken), stoppingToken).ConfigureAwait(false);
                await small.PublishAsync(initial.Model, initial.CheckAccuracy, stoppingToken).ConfigureAwait(false);
            }

            var judge = await JudgeGrain.CreateAsync(
                models.Judge, new FileThresholdStore(Path.Combine(store.Root, settings.ModelName + ".threshold.json")),
                settings.DefaultThreshold, instruments, stoppingToken,
                new JudgeStorage(store, JudgeGrain.SeriesFor(settings.ModelName), models.SmallCodec), models.JudgeVersion).ConfigureAwait(false);
            var large = new LargeModelPoolGrain(models.LargeInstances, settings.LargePool, instruments, loggers.CreateLogger<LargeModelPoolGrain>());
            var teachers = new InProcessTeacherQueue(settings.TeacherQueueCapacity, instruments);
            var distillation = new DistillationGrain(
                teachers, models.Trainer, small, settings.Distillation, instruments, loggers.CreateLogger<DistillationGrain>(),
                settings.Distillation.DistillJudge ? models.JudgeTrainer : null,
                settings.Distillation.DistillJudge && models.JudgeTrainer is not null ? judge : null);
            var pipeline = new InferencePipeline(
                settings.ModelName, judge, small, large, teachers, instruments, new RoutingWindow(settings.RoutingWindowSeconds),
                TimeSpan.FromMilliseconds(settings.RequestTimeoutMilliseconds));
            var grains = new ServingGrains(pipeline, judge, small, large, distillation, teachers, store, [distillation, large]);
            if (stoppingToken.IsCancellationRequested)
            {
                await grains.DisposeAsync().ConfigureAwait(false);
                return;
            }

            distillation.Start();
            node.Ready(grains);
            var current = await small.GetCurrentAsync().ConfigureAwait(false);
            _logger.LogInformation(
                "Ready: {Model} with small model version {Version}, threshold {Threshold}, large model {Large}.",
                settings.ModelName, current.Version, await judge.GetThresholdAsync().ConfigureAwait(false), large.ModelName);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            node.Failed(e);
            _logger.LogCritical(e, "The silo could not load its models; it stays not ready.");
            lifetime.StopApplication();
        }
    }
}
