using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Kcm.Grains.Generation;

/// <summary>Registers ensemble generation (<see cref="EnsembleGrain"/>'s <see cref="LoadedEnsemble"/>) on a silo.</summary>
public static class EnsembleSiloBuilderExtensions
{
    /// <summary>
    /// Binds <see cref="EnsembleOptions"/> from <c>Kcm:Ensemble</c> of <paramref name="configuration"/> and, when
    /// <c>Kcm:Ensemble:Manifest</c> is set, registers the silo-local <see cref="LoadedEnsemble"/>, loaded while the silo
    /// starts. A no-op without a manifest (the silo then refuses generation with unknown_model). Call it on gpu silos:
    /// only they host <see cref="EnsembleGrain"/>.
    /// </summary>
    public static ISiloBuilder AddKcmEnsemble(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(EnsembleOptions.SectionName);
        if (string.IsNullOrEmpty(section[nameof(EnsembleOptions.Manifest)]))
        {
            return builder;
        }

        builder.Services.Configure<EnsembleOptions>(section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(services => new EnsembleInstruments(services.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.TryAddSingleton<LoadedEnsemble>();
        // TryAddEnumerable: a second call must not load the ensemble twice.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, EnsembleLifecycle>());
        return builder;
    }
}
