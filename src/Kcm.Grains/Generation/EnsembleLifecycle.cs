using Orleans;
using Orleans.Runtime;

namespace Kcm.Grains.Generation;

/// <summary>
/// Loads the silo's <see cref="LoadedEnsemble"/> before the silo takes calls (a manifest that does not load stops the
/// start with <see cref="EnsembleLoadException"/>), stops its generations as soon as the silo begins to stop (so
/// running streams end at once, telling their callers to retry elsewhere, instead of holding up the shutdown), and
/// releases the models last.
/// </summary>
internal sealed class EnsembleLifecycle(LoadedEnsemble ensemble) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(
            nameof(EnsembleLifecycle),
            ServiceLifecycleStage.ApplicationServices,
            ensemble.LoadAsync,
            async _ => await ensemble.DisposeAsync().ConfigureAwait(false));
        lifecycle.Subscribe(
            nameof(EnsembleLifecycle) + ".Stopping",
            ServiceLifecycleStage.Active,
            _ => Task.CompletedTask,
            _ => ensemble.StopGenerationsAsync());
    }
}
