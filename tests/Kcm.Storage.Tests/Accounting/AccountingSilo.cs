using Kcm.Grains.Distillation;
using Kcm.Grains.Hosting;
using Kcm.Models;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Kcm.Placement;
using Kcm.Storage.Azure.Hosting;
using Kcm.Storage.Azure.Queue;
using Kcm.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;

namespace Kcm.Storage.Tests.Accounting;

/// <summary>
/// A distiller silo as the cluster runs one, on Azurite: Azure Table clustering, grain storage (the registry's and the
/// distillation grain's state) and reminders; the teacher queue and model store on Azure Storage (AddKcmAzureStorage);
/// a <see cref="RecordingModelSource"/>; and the teacher queue wrapped in a <see cref="CrashingTeacherQueue"/>.
/// </summary>
public sealed class AccountingSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private AccountingSilo(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>This silo's teacher queue (the crash wrapper around the Azure one).</summary>
    public CrashingTeacherQueue Queue => (CrashingTeacherQueue)_host.Services.GetRequiredService<ITeacherQueue>();

    public static async Task<AccountingSilo> StartAsync(
        AzuriteServer azurite, string serviceId, string name, IReadOnlyDictionary<string, string?> settings, TrainingLog log, int crashAt, SiloLog lines)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = name,
            EnvironmentName = Environments.Production,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Logging.AddProvider(lines);
        builder.UseOrleans(silo =>
        {
            silo.UseAzurite(azurite, serviceId, name, ServingStorage.Name, TimeSpan.FromSeconds(1));
            silo.AddKcmPlacement(SiloRoles.Distiller);
            silo.Services.AddSingleton<IServingModelSource>(sp => new RecordingModelSource(
                sp.GetRequiredService<IModelStore>(), sp.GetRequiredService<SafetensorsClassifierCodec>(), log));
            silo.AddKcmServing(builder.Configuration);
            silo.AddKcmAzureStorage(builder.Configuration);
            silo.Services.RemoveAll<ITeacherQueue>();
            silo.Services.AddSingleton<ITeacherQueue>(sp => new CrashingTeacherQueue(sp.GetRequiredService<AzureTeacherQueue>(), crashAt));
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AccountingSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException)
        {
            // A failed test's own failure matters more than a slow stop.
        }

        _host.Dispose();
    }
}
