using Kcm.Grains.Ensemble;

namespace Kcm.Silo.Hosting;

/// <summary>The silo's ensemble for generation, when <c>Kcm:Ensemble:Manifest</c> is set: null before it is loaded and when none is configured.</summary>
public sealed class EnsembleNode
{
    private EnsembleGrain? _grain;

    /// <summary>The loaded ensemble grain, or null.</summary>
    public IEnsembleGrain? Grain => Volatile.Read(ref _grain);

    internal void Ready(EnsembleGrain grain) => Volatile.Write(ref _grain, grain);

    internal EnsembleGrain? Take() => Interlocked.Exchange(ref _grain, null);
}
