using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Grains.Hosting;
using Kcm.Grains.Serving;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Registry;

/// <summary>
/// Keeps this silo's serving snapshot on the registry's current version (one per silo, started when the silo is
/// active). It subscribes an observer to the registry and asks for the current version at start and every
/// <c>Kcm:PollMilliseconds</c>, renewing the subscription each time, so a silo that missed a notification (or
/// whose subscription the registry lost on reactivation) catches up. A new version is loaded, its SHA-256 checked and
/// swapped in by <see cref="ServingSnapshotHolder"/>; versions are applied one at a time. On a distiller silo it seeds
/// the registry when it has no version yet, and starts the distillation grain once serving.
/// </summary>
public sealed class ServingVersionFollower : IServingVersionObserver, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IGrainFactory _grains;
    private readonly ServingSnapshotHolder _snapshots;
    private readonly ServingReadiness _readiness;
    private readonly ServingSeeder _seeder;
    private readonly LocalSiloRoles _roles;
    private readonly ServingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IServingVersionObserver? _reference;
    private Task _loop = Task.CompletedTask;
    private long _notified;
    private long _caughtUpByPolling;
    private bool _distillationStarted;

    public ServingVersionFollower(
        IGrainFactory grains,
        ServingSnapshotHolder snapshots,
        ServingReadiness readiness,
        ServingSeeder seeder,
        LocalSiloRoles roles,
        ServingOptions options,
        TimeProvider time,
        ILogger<ServingVersionFollower> logger)
    {
        _grains = grains;
        _snapshots = snapshots;
        _readiness = readiness;
        _seeder = seeder;
        _roles = roles;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>This silo's observer reference as the registry sees it (null before the silo is active).</summary>
    public IServingVersionObserver? Subscription => _reference;

    /// <summary>Versions this silo swapped in because a notification told it.</summary>
    public long SwapsByNotification => Interlocked.Read(ref _notified);

    /// <summary>Versions this silo swapped in because polling found them (notifications missed or late).</summary>
    public long SwapsByPolling => Interlocked.Read(ref _caughtUpByPolling);

    private IModelRegistryGrain Registry => _grains.GetGrain<IModelRegistryGrain>(_options.ModelName);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ServingVersionFollower), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>A notification from the registry (one-way): applied in the background, never holding the caller.</summary>
    public Task OnPublishedAsync(ServingVersion version)
    {
        _ = Task.Run(() => ApplyAsync(version, byPolling: false));
        return Task.CompletedTask;
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = _grains.CreateObjectReference<IServingVersionObserver>(this);
        _loop = Task.Run(() => FollowAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_reference is { } reference)
        {
            try
            {
                await Registry.UnsubscribeAsync(reference).WaitAsync(TimeSpan.FromSeconds(2), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The registry drops it when it expires anyway.
                _logger.LogDebug(e, "Unsubscribing from the registry at stop failed.");
            }

            _grains.DeleteObjectReference<IServingVersionObserver>(reference);
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Every poll, not every Kcm:ResubscribeSeconds: a registry activation that moved to another silo (its
                // silo died) starts with no subscribers, and until each silo subscribes again it hears of new versions
                // only by polling. Subscribing is idempotent and one small call per poll.
                await Registry.SubscribeAsync(_reference!).ConfigureAwait(false);

                var current = await Registry.GetCurrentAsync().ConfigureAwait(false);
                if (current is null && _roles.IsDistiller)
                {
                    current = await _seeder.SeedAsync(Registry, stop).ConfigureAwait(false);
                }

                if (current is not null)
                {
                    await ApplyAsync(current, byPolling: true).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Following the registry of {Model} failed; retrying.", _options.ModelName);
                if (_snapshots.Current is null)
                {
                    _readiness.MarkLoadFailed(e);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.PollMilliseconds), _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ApplyAsync(ServingVersion version, bool byPolling)
    {
        await _applying.WaitAsync().ConfigureAwait(false);
        try
        {
            var registryCurrent = false;
            if (byPolling && _snapshots.Current?.Version is { } held && held != version && version.Version <= held.Version)
            {
                // The registry's current version is not newer than the one served here: either a publish raced this poll
                // (the newer one is on its way) or the registry lost its state and was seeded again. Ask once more, under
                // the apply lock: only a version the registry still calls current replaces a higher number.
                if (await Registry.GetCurrentAsync().ConfigureAwait(false) != version)
                {
                    return;
                }

                registryCurrent = true;
                _logger.LogWarning(
                    "The registry's current version {Version} is not newer than version {Held} served here: following the registry.", version.Version, held.Version);
            }

            if (!await _snapshots.SwapAsync(version, _stopping.Token, registryCurrent).ConfigureAwait(false))
            {
                return;
            }

            Interlocked.Increment(ref byPolling ? ref _caughtUpByPolling : ref _notified);
            _readiness.MarkServing(version);
            StartDistillation();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Logged and counted by the holder; the serving version stays. Polling retries it.
            if (_snapshots.Current is null)
            {
                _readiness.MarkLoadFailed(e);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>Activates the distillation grain once on a distiller silo, so its timer runs rounds on schedule.</summary>
    private void StartDistillation()
    {
        if (_distillationStarted || !_roles.IsDistiller || !_options.Distillation.Enabled)
        {
            return;
        }

        _distillationStarted = true;
        _ = _grains.GetGrain<IDistillationGrain>(_options.ModelName).GetStatusAsync().ContinueWith(
            task => _logger.LogWarning(task.Exception, "Starting the distillation grain failed."),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }
}
