using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Grains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Kcm.Grains.Tests.Distillation;

public sealed class DistillationScheduleTests
{
    private static readonly Dictionary<string, string?> Schedule = new()
    {
        ["Kcm:Calibration:Rule"] = "FixedEpsilon",
        ["Kcm:Calibration:Epsilon"] = "0.999999",
        ["Kcm:Distillation:Enabled"] = "true",
        ["Kcm:Distillation:RecordsPerRound"] = "64",
        ["Kcm:Distillation:MinRecords"] = "10",
        ["Kcm:Distillation:IntervalSeconds"] = "3600",
        ["Kcm:Distillation:CheckSeconds"] = "1",
    };

    [Fact]
    public async Task TheReminder_RunsARound_OnceARoundsWorthOfRecordsWaits()
    {
        // What the cluster's host registers: a reminder service, with a minimum period that allows a short check.
        await using var serving = await ServingCluster.StartAsync(new SharedGrainRecords(), Schedule, configureSilo: silo => silo
            .UseInMemoryReminderService()
            .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));
        var distiller = serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);

        var status = await ClassifyAndWaitForARoundAsync(serving, distiller);

        Assert.Equal(64, status.RecordsConsumed);
        Assert.Equal(1, status.RoundsAccepted + status.RoundsRejected);
        var reminders = serving.Services(0).GetRequiredService<IReminderTable>();
        var reminder = await reminders.ReadRow(distiller.GetGrainId(), DistillationGrain.ReminderName);
        Assert.NotNull(reminder);
        Assert.Equal(TimeSpan.FromSeconds(1), reminder.Period);
    }

    [Fact]
    public async Task WithoutAReminderService_AGrainTimer_RunsARound_OnceARoundsWorthOfRecordsWaits()
    {
        await using var serving = await ServingCluster.StartAsync(new SharedGrainRecords(), Schedule);
        var distiller = serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);

        var status = await ClassifyAndWaitForARoundAsync(serving, distiller);

        Assert.Equal(64, status.RecordsConsumed);
        Assert.Equal(1, status.RoundsAccepted + status.RoundsRejected);
    }

    /// <summary>Nobody asks for a round: the grain, started by the distiller silo, notices 64 records on its schedule.</summary>
    private static async Task<DistillationStatus> ClassifyAndWaitForARoundAsync(ServingCluster serving, IDistillationGrain distiller)
    {
        var result = await serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(TestImages.Rows(2000, 64), 64));
        Assert.All(result.Routes, route => Assert.Equal(SampleRoute.Large, route));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DistillationStatus status;
        while ((status = await distiller.GetStatusAsync()).RecordsConsumed < 64 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return status;
    }
}
