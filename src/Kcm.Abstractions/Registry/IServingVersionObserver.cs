using Orleans.CodeGeneration;
using Orleans.Concurrency;

namespace Kcm.Abstractions.Registry;

/// <summary>A silo's listener for new serving versions; one-way, so the registry never waits on silos in its turn.</summary>
[Alias("kcm.serving-observer"), Version(1)]
public interface IServingVersionObserver : IGrainObserver
{
    [OneWay, Alias("published")]
    Task OnPublishedAsync(ServingVersion version);
}
