using Kcm.Grains.Classification;
using Kcm.Grains.Distillation;
using Kcm.Grains.Registry;
using Kcm.Grains.Serving;
using Kcm.Grains.Telemetry;
using Kcm.Models;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Hosting;

/// <summary>Adds KCM serving (grains and their silo-local services) to a silo.</summary>
public static class ServingSiloBuilderExtensions
{
    /// <summary>
    /// Registers the serving grains' services, bound and validated from <paramref name="configuration"/>: section
    /// <c>Kcm</c> (<see cref="ServingOptions"/>) and <c>Kcm:Embedded</c> (<see cref="EmbeddedModelOptions"/>). The host
    /// also calls <c>AddKcmPlacement(roles)</c> (roles decide what this silo does: gpu hosts judge and large model,
    /// distiller seeds the first version and distils) and registers a grain storage named <see cref="ServingStorage.Name"/>.
    /// A host replaces the model source by registering its own <see cref="IServingModelSource"/> before this call; the
    /// model store (<see cref="IModelStore"/>) and the teacher queue (<see cref="ITeacherQueue"/>) are registered only
    /// when none is (Kcm.Storage.Azure's <c>AddKcmAzureStorage</c> replaces both, before or after this call). The
    /// distillation grain runs its rounds on a reminder when the silo has a reminder service (with
    /// <c>ReminderOptions.MinimumReminderPeriod</c> at most <c>Kcm:Distillation:CheckSeconds</c>), else on a grain timer.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration is invalid; the message names every bad field.</exception>
    public static ISiloBuilder AddKcmServing(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ServingOptions.SectionName).Get<ServingOptions>() ?? new ServingOptions();
        var models = configuration.GetSection(EmbeddedModelOptions.SectionName).Get<EmbeddedModelOptions>() ?? new EmbeddedModelOptions();
        var calibration = configuration.GetSection(ThresholdCalibrationOptions.SectionName).Get<ThresholdCalibrationOptions>() ?? new ThresholdCalibrationOptions();
        if (configuration["Kcm:DefaultThreshold"] is not null)
        {
            // Removed, not ignored: a deployment that still sets it would otherwise serve a threshold it did not ask for.
            throw new ArgumentException(
                "Invalid serving configuration: Kcm:DefaultThreshold is no longer read: the threshold is calibrated (Kcm:Calibration, docs/kcm.md). "
                + "For a fixed one set Kcm:Calibration:Rule=FixedEpsilon and Kcm:Calibration:Epsilon.");
        }

        // One message naming every bad field of the three sections, not only the first section's.
        var problems = new List<string>();
        foreach (var validate in new Action[] { options.Validate, models.Validate, calibration.Validate })
        {
            try
            {
                validate();
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        var services = silo.Services;
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(options.LargePool);
        services.AddSingleton(options.Inference);
        services.AddSingleton(models);
        services.AddSingleton(calibration);
        services.AddSingleton<KcmInstruments>();
        services.AddSingleton(sp => new RoutingTally(options.RoutingWindowSeconds, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<KcmInstruments>()));
        services.AddSingleton(sp => new SafetensorsClassifierCodec(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IModelStore>(sp => new LocalDirectoryModelStore(KcmPaths.Resolve(options.StorePath), options.KeepVersions, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IServingModelSource>(sp => new EmbeddedModelSource(
            models,
            sp.GetRequiredService<IModelStore>(),
            sp.GetRequiredService<SafetensorsClassifierCodec>(),
            calibration,
            sp.GetRequiredService<ILogger<EmbeddedModelSource>>()));
        services.AddSingleton<ServingSnapshotHolder>();
        services.AddSingleton<ServingReadiness>();
        services.AddSingleton<LocalSiloRoles>();
        services.AddSingleton<LargeModelBatcher>();
        services.TryAddSingleton<ITeacherQueue>(sp => new InProcessTeacherQueue(options.TeacherQueueCapacity, sp.GetRequiredService<KcmInstruments>()));
        services.AddSingleton<ServingSeeder>();
        services.AddSingleton<ServingVersionFollower>();
        services.AddSingleton<ServingStartup>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ServingStartup>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ServingVersionFollower>());
        return silo;
    }
}
