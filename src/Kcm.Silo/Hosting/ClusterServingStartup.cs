using Kcm.Cluster.Broker;
using Kcm.Cluster.Large;
using Kcm.Cluster.Swaps;
using Kcm.Cluster.Teachers;
using Kcm.Cluster.Telemetry;
using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Large;
using Kcm.Grains.Pipeline;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Start-up in cluster mode (<c>Kcm:RabbitMq:Uri</c> set): joins the broker, loads the models, brings the small model to
/// the cluster's current version (a distiller publishes the initial one when none exists; other roles wait for it),
/// and wires the grains to the RabbitMQ transports its roles need. Every node keeps the same grains as the embedded
/// mode; only where the large model runs and where teacher records go changes.
/// </summary>
internal sealed class ClusterServingStartup(
    ServingNode node,
    IServingModelSource source,
    KcmSiloOptions settings,
    KcmInstruments instruments,
    ClusterInstruments clusterInstruments,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<ClusterServingStartup>();

    public async Task StartAsync(CancellationToken stoppingToken)
    {
        var roles = settings.ParsedRoles;
        var nodeId = settings.EffectiveNodeId;
        var owned = new List<IAsyncDisposable>();
        try
        {
            var broker = await BrokerConnection.ConnectAsync(
                new Uri(settings.RabbitMq.Uri!), "kcm-" + nodeId, loggers.CreateLogger<BrokerConnection>(), stoppingToken).ConfigureAwait(false);
            owned.Add(broker);
            _logger.LogInformation("Node {NodeId} with roles {Roles} joined the broker {Broker}.", nodeId, SiloRoleNames.Format(roles), broker.Endpoint);

            var store = new LocalDirectoryModelStore(SiloPaths.Resolve(settings.StorePath), settings.KeepVersions);
            _logger.LogInformation("Loading models for {Model} (shared store {Store}).", settings.ModelName, store.Root);
            var models = await source.LoadAsync(settings, store, stoppingToken).ConfigureAwait(false);

            var series = settings.ModelName + ".small";
            var fabric = await ModelSwapFabric.StartAsync(broker, series, nodeId, loggers.CreateLogger<ModelSwapFabric>(), stoppingToken).ConfigureAwait(false);
            owned.Add(fabric);
            var local = new SmallModelGrain(series, store, models.SmallCodec, instruments, loggers.CreateLogger<SmallModelGrain>());
            var small = new ClusterSmallModelGrain(local, store, fabric, nodeId, loggers.CreateLogger<ClusterSmallModelGrain>());
            await LoadCurrentSmallAsync(small, models, roles, stoppingToken).ConfigureAwait(false);

            var judgeStorage = new JudgeStorage(store, JudgeGrain.SeriesFor(settings.ModelName), models.SmallCodec);
            var localJudge = await JudgeGrain.CreateAsync(
                models.Judge, new FileThresholdStore(Path.Combine(store.Root, settings.ModelName + ".threshold.json")),
                settings.DefaultThreshold, instruments, stoppingToken, judgeStorage, models.JudgeVersion).ConfigureAwait(false);
            var judgeFabric = await ModelSwapFabric.StartAsync(broker, judgeStorage.Series, nodeId, loggers.CreateLogger<ModelSwapFabric>(), stoppingToken)
                .ConfigureAwait(false);
            owned.Add(judgeFabric);
            var judge = new ClusterJudgeGrain(localJudge, judgeStorage, judgeFabric, nodeId, loggers.CreateLogger<ClusterJudgeGrain>());
            await judge.LoadCurrentAsync(stoppingToken).ConfigureAwait(false);

            var first = models.LargeInstances[0];
            var shape = new LargeModelShape(first.Name, first.InputSize, first.ClassCount, first.HintInputName);
            if (roles.HasFlag(SiloRoles.Large))
            {
                var localPool = new LargeModelPoolGrain(models.LargeInstances, settings.LargePool, instruments, loggers.CreateLogger<LargeModelPoolGrain>());
                var prefetch = (ushort)Math.Clamp(settings.LargePool.QueueCapacity, 1, ushort.MaxValue);
                var worker = await LargeModelWorker.StartAsync(
                    broker, nodeId, settings.ModelName, localPool, prefetch, clusterInstruments, loggers.CreateLogger<LargeModelWorker>(), stoppingToken)
                    .ConfigureAwait(false);
                owned.Add(localPool);
                owned.Add(worker);
            }
            else
            {
                foreach (var instance in models.LargeInstances)
                {
                    instance.Dispose();
                }
            }

            var remote = await RabbitMqLargeModelPool.StartAsync(
                broker, nodeId, settings.ModelName, shape, settings.LargePool.QueueCapacity, clusterInstruments, loggers.CreateLogger<RabbitMqLargeModelPool>(),
                stoppingToken).ConfigureAwait(false);
            owned.Add(remote);
            ushort? consume = roles.HasFlag(SiloRoles.Distiller) ? (ushort)Math.Clamp(settings.Distillation.RecordsPerRound, 1, ushort.MaxValue) : null;
            var teachers = await RabbitMqTeacherQueue.StartAsync(
                broker, settings.ModelName, nodeId, settings.TeacherQueueCapacity, consume, instruments, clusterInstruments,
                loggers.CreateLogger<RabbitMqTeacherQueue>(), stoppingToken).ConfigureAwait(false);
            owned.Add(teachers);
            var distillation = new DistillationGrain(
                teachers, models.Trainer, small, settings.Distillation, instruments, loggers.CreateLogger<DistillationGrain>(),
                settings.Distillation.DistillJudge ? models.JudgeTrainer : null,
                settings.Distillation.DistillJudge && models.JudgeTrainer is not null ? judge : null);
            owned.Add(distillation);
            var pipeline = new InferencePipeline(
                settings.ModelName, judge, small, remote, teachers, instruments, new RoutingWindow(settings.RoutingWindowSeconds),
                TimeSpan.FromMilliseconds(settings.RequestTimeoutMilliseconds));
            var depths = new BrokerQueueDepths(
                broker,
                [ClusterNames.LargeWorkQueue(settings.ModelName), ClusterNames.TeacherQueue(settings.ModelName), ClusterNames.TeacherDeadLetterQueue(settings.ModelName)],
                clusterInstruments, loggers.CreateLogger<BrokerQueueDepths>());
            owned.Add(depths);
            _ = new NodeInfo(nodeId, SiloRoleNames.Format(roles), () => CurrentVersion(local), clusterInstruments);

            // Stopped in reverse order of creation: the distiller and consumers first (a worker stops taking work before
            // its pool stops, so requests in hand go back to the queue), the broker connection last.
            owned.Reverse();
            var grains = new ServingGrains(pipeline, judge, small, remote, distillation, teachers, store, owned);
            if (stoppingToken.IsCancellationRequested)
            {
                await grains.DisposeAsync().ConfigureAwait(false);
                return;
            }

            if (roles.HasFlag(SiloRoles.Distiller))
            {
                distillation.Start();
            }

            node.JoinedCluster(() => broker.IsConnected);
            node.Ready(grains);
            _logger.LogInformation(
                "Ready: node {NodeId} ({Roles}) serving {Model} small model version {Version}, large model {Large} over {Broker}.",
                nodeId, SiloRoleNames.Format(roles), settings.ModelName, CurrentVersion(local), shape.Name, broker.Endpoint);
        }
        catch
        {
            if (node.Grains is null)
            {
                for (var i = owned.Count - 1; i >= 0; i--)
                {
                    await owned[i].DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }
    }

    /// <summary>
    /// The cluster's current small model: the latest announcement or the newest stored version. With none, a distiller
    /// makes the initial model (stored, then announced); other roles wait for one, staying not ready.
    /// </summary>
    private async Task LoadCurrentSmallAsync(ClusterSmallModelGrain small, ServingModels models, SiloRoles roles, CancellationToken stoppingToken)
    {
        if (await small.LoadCurrentAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        if (roles.HasFlag(SiloRoles.Distiller))
        {
            _logger.LogInformation("No small model version exists in the cluster; making the initial one.");
            var initial = await Task.Run(() => models.InitialSmall(stoppingToken), stoppingToken).ConfigureAwait(false);
            await small.PublishAsync(initial.Model, initial.CheckAccuracy, stoppingToken).ConfigureAwait(false);
            return;
        }

        _logger.LogInformation("Waiting for a distiller to publish the first small model version.");
        while (!await small.LoadCurrentAsync(stoppingToken).ConfigureAwait(false))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
        }
    }

    private static int CurrentVersion(SmallModelGrain small)
    {
        try
        {
            return small.GetCurrentAsync().AsTask().GetAwaiter().GetResult().Version;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }
}
