using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Grains.Hosting;
using Kcm.Grains.Tests.Support;
using Kcm.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Kcm.Grains.Tests.Hosting;

/// <summary>
/// The seam the silo host uses, exactly: AddKcmPlacement, AddKcmServing, AddMemoryGrainStorage(ServingStorage.Name), an
/// in-memory reminder service with a 1 s minimum period (the distillation grain's schedule runs on a reminder).
/// </summary>
public sealed class HostSeamTests
{
    [Fact]
    public async Task OneSiloWithEveryRole_OnInMemoryGrainStorage_SeedsServes_AndSchedulesDistillationOnAReminder()
    {
        var settings = ServingCluster.Settings(new Dictionary<string, string?> { ["Kcm:Distillation:Enabled"] = "true" });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddKcmPlacement("gpu,cpu,distiller");
            silo.AddKcmServing(configuration);
            silo.AddMemoryGrainStorage(ServingStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var readiness = cluster.GetSiloServiceProvider().GetRequiredService<ServingReadiness>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!readiness.IsReady && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var result = await cluster.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(TestImages.Rows(0, 8), 8));

        Assert.True(readiness.IsReady, readiness.Failure?.ToString());
        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal(8, result.Labels.Length);
        // The distiller silo starts the distillation grain once ready; it registers its schedule's reminder (5 s default).
        var reminders = cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();
        var grain = cluster.Client.GetGrain<IDistillationGrain>(ServingCluster.Model).GetGrainId();
        ReminderEntry? reminder = null;
        while ((reminder = await reminders.ReadRow(grain, DistillationGrain.ReminderName)) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(TimeSpan.FromSeconds(5), reminder?.Period);
    }
}
