using Kcm.Grains.Distillation;
using Kcm.Grains.Hosting;
using Kcm.Grains.Telemetry;
using Kcm.Models.Storage;
using Kcm.Storage.Azure.Blobs;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Kcm.Storage.Azure.Hosting;

/// <summary>Puts the teacher queue and the model store on Azure Storage (a queue and a blob container per model).</summary>
public static class AzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Replaces the in-process teacher queue with <see cref="AzureTeacherQueue"/> and the local folder model store with
    /// <see cref="BlobModelStore"/>, before or after <c>AddKcmServing</c> (which registers its own only when none is).
    /// Reads section <see cref="AzureStorageOptions.SectionName"/> (<c>Kcm:AzureStorage:ConnectionString</c> is
    /// required) and, for the names and the versions kept, <c>Kcm:ModelName</c> and <c>Kcm:KeepVersions</c>. On a silo
    /// the queue starts and stops with the silo's lifecycle.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names every bad field.</exception>
    public static IServiceCollection AddKcmAzureStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(AzureStorageOptions.SectionName).Get<AzureStorageOptions>() ?? new AzureStorageOptions();
        var serving = configuration.GetSection(ServingOptions.SectionName).Get<ServingOptions>() ?? new ServingOptions();
        options.Validate(serving.ModelName);
        var connection = options.ConnectionString!;
        var queueName = options.QueueNameFor(serving.ModelName);
        var containerName = options.ContainerNameFor(serving.ModelName);

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KcmInstruments>();
        services.AddSingleton(options);
        services.AddSingleton(sp => new AzureTeacherQueue(
            AzureStorageClients.Queue(connection, queueName),
            options.TeacherQueue,
            sp.GetRequiredService<KcmInstruments>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AzureTeacherQueue>>()));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new AzureTeacherQueueLifecycle(
            sp.GetRequiredService<AzureTeacherQueue>(), sp.GetRequiredService<ILogger<AzureTeacherQueueLifecycle>>()));
        services.AddSingleton(sp => new BlobModelStore(AzureStorageClients.Container(connection, containerName), serving.KeepVersions, sp.GetRequiredService<TimeProvider>()));

        // Whichever was registered first (AddKcmServing's, or a host's), these take their place.
        services.RemoveAll<ITeacherQueue>();
        services.RemoveAll<IModelStore>();
        services.AddSingleton<ITeacherQueue>(sp => sp.GetRequiredService<AzureTeacherQueue>());
        services.AddSingleton<IModelStore>(sp => sp.GetRequiredService<BlobModelStore>());
        return services;
    }

    /// <summary>The silo form of <see cref="AddKcmAzureStorage(IServiceCollection, IConfiguration)"/>.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names every bad field.</exception>
    public static ISiloBuilder AddKcmAzureStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddKcmAzureStorage(configuration);
        return silo;
    }
}
