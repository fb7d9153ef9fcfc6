using System.Diagnostics;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Kcm.Storage.Tests.Accounting;

/// <summary>
/// Issue 15's ledger, end to end on Azurite: records produced through the Azure teacher queue, distillation rounds on
/// the distillation grain's reminder, a silo "dying" between a round's state write and its delete, another silo taking
/// over from the stored state: every record is trained on exactly once or counted refused; none lost, none twice.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TeacherRecordAccountingTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private const int Attempts = 600;
    private const int BufferCapacity = 400;
    private const int RecordsPerRound = 100;

    [Fact]
    public async Task Every_record_is_trained_on_exactly_once_or_counted_refused_across_a_crash_between_the_state_write_and_the_delete()
    {
        var azurite = fixture.Azurite;
        var serviceId = AzuriteFixture.NewServiceId("ledger");
        var model = $"ledger-{Guid.NewGuid():N}"[..20];
        var settings = new Dictionary<string, string?>
        {
            ["Kcm:ModelName"] = model,
            ["Kcm:Distillation:Enabled"] = "true",
            ["Kcm:Distillation:DistillJudge"] = "false",
            ["Kcm:Distillation:CheckSeconds"] = "1",
            ["Kcm:Distillation:IntervalSeconds"] = "1",
            ["Kcm:Distillation:MinRecords"] = "1",
            ["Kcm:Distillation:RecordsPerRound"] = $"{RecordsPerRound}",
            ["Kcm:AzureStorage:ConnectionString"] = azurite.ConnectionString,
            ["Kcm:AzureStorage:TeacherQueue:LeaseSeconds"] = "3",
        };
        var log = new TrainingLog();
        var lines = new SiloLog();
        var stopwatch = Stopwatch.StartNew();

        // Silo A: its second non-empty acknowledgement is where it dies.
        AccountingSilo? first = await AccountingSilo.StartAsync(azurite, serviceId, "silo-a", settings, log, crashAt: 2, lines);
        DistillationStatus? status = null;
        try
        {
            await Poll.UntilAsync(
                async () => await first.Grains.GetGrain<IModelRegistryGrain>(model).GetCurrentAsync() is not null, TimeSpan.FromSeconds(30), "the first version seeded");

            // The producer (a gpu silo's queue): 500 accepted of 600, 100 refused by its bound before it could send.
            using var metrics = new TestInstruments();
            await using var producer = new AzureTeacherQueue(
                AzureStorageClients.Queue(azurite.ConnectionString, AzureStorageNames.Queue(model)),
                new AzureTeacherQueueOptions { BufferCapacity = BufferCapacity, LingerMilliseconds = 5 },
                metrics.Instruments, TimeProvider.System, NullLogger<AzureTeacherQueue>.Instance);
            var accepted = new HashSet<int>();
            var refused = new HashSet<int>();
            for (var i = 0; i < Attempts; i++)
            {
                if (i == 500)
                {
                    // The first 400 fill the bound (the next 100 are refused); once sent, the last 100 fit.
                    await producer.StartAsync();
                    Assert.True(await producer.WaitUntilSentAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
                }

                (producer.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(i)) ? accepted : refused).Add(i);
            }

            Assert.True(await producer.WaitUntilSentAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
            Assert.Equal((500, 100, 100L), (accepted.Count, refused.Count, metrics.Count("kcm_teacher_records_dropped_total", "reason=full")));

            // Rounds run on the reminder until silo A dies with a recorded, undeleted delivery.
            var crashed = await first.Queue.Crashed.WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"{stopwatch.Elapsed.TotalSeconds:F1} s: silo A died after recording a round of {crashed.Records.Count} records, before deleting them");
            await first.DisposeAsync();
            first = null;

            // Silo B takes over: the reminder activates the grain there, from the state silo A stored.
            await using var second = await AccountingSilo.StartAsync(azurite, serviceId, "silo-b", settings, log, crashAt: 0, lines);
            var distiller = second.Grains.GetGrain<IDistillationGrain>(model);
            await Poll.UntilAsync(
                async () => (status = await distiller.GetStatusAsync()) is { RecordsConsumed: 500, RoundRunning: false } && status.RecordsRedelivered >= crashed.Records.Count,
                TimeSpan.FromSeconds(60),
                "500 records trained and the crashed round's records handed over again",
                TimeSpan.FromMilliseconds(250));

            var trained = log.Numbers;
            var final = status!;
            output.WriteLine(
                $"{stopwatch.Elapsed.TotalSeconds:F1} s: produced {Attempts}: accepted {accepted.Count}, refused by the producer {refused.Count}; "
                + $"trained {trained.Count} ({trained.Distinct().Count()} distinct), handed over again and skipped {final.RecordsRedelivered}, "
                + $"refused by rounds {final.RecordsRefused}; rounds accepted {final.RoundsAccepted}, rejected {final.RoundsRejected}, failed {final.RoundsFailed}");

            // None lost, none twice: accepted = trained + still queued (none) + refused by rounds (none).
            Assert.Equal(accepted.Order(), trained.Order());
            Assert.Equal(0, final.RecordsRefused);
            Assert.Equal(crashed.Records.Count, final.RecordsRedelivered);
            Assert.All(crashed.Records, r => Assert.Contains(TeacherRecords.NumberOf(r), accepted));
            await Poll.UntilAsync(async () => (await producer.TakeAsync(1000, CancellationToken.None)).Records.Count == 0, TimeSpan.FromSeconds(10), "the queue empty");
        }
        catch
        {
            output.WriteLine($"last status: {status}; trained {log.Numbers.Count} ({log.Numbers.Distinct().Count()} distinct)");
            foreach (var line in lines.Lines)
            {
                output.WriteLine(line);
            }

            throw;
        }
        finally
        {
            if (first is not null)
            {
                await first.DisposeAsync();
            }
        }
    }
}
