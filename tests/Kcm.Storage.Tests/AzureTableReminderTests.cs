using Kcm.Storage.Tests.Grains;
using Xunit.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>
/// Orleans Azure Table reminders on Azurite with a period well under Orleans' 1-minute default minimum, as the
/// distillation rounds need: they keep firing, and a reminder outlives the silo its grain lived on.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureTableReminderTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_5_second_reminder_fires_repeatedly_and_again_on_the_survivor_after_its_grains_silo_stops()
    {
        var azurite = fixture.Azurite;
        var serviceId = AzuriteFixture.NewServiceId("reminders");
        var ticks = new TickLog();
        const string key = "distillation";
        await using var first = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-a", ticks);
        await using var second = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-b", ticks);
        await using var client = await AzuriteClient.ConnectAsync(azurite, serviceId);
        var grain = client.Grains.GetGrain<IReminderProbeGrain>(key);

        await grain.StartAsync(TimeSpan.FromSeconds(1), Period);
        Assert.Equal([ReminderProbeGrain.ReminderName], await StorageTables.ReminderNamesAsync(azurite, serviceId));
        await Poll.UntilAsync(() => ticks.Of(key).Count >= 2, TimeSpan.FromSeconds(30), "two ticks");
        var early = ticks.Of(key);
        var gap = early[1].At - early[0].At;
        Assert.InRange(gap, Period - TimeSpan.FromSeconds(1), Period + TimeSpan.FromSeconds(3));

        // Stop the silo the grain lives on; the reminder wakes it on the survivor.
        var holder = early[^1].Silo == first.RuntimeIdentity ? first : second;
        var survivor = holder == first ? second : first;
        await holder.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;
        await Poll.UntilAsync(
            () => ticks.Of(key).Count(t => t.At > stoppedAt && t.Silo == survivor.RuntimeIdentity) >= 2,
            TimeSpan.FromSeconds(40),
            $"two ticks on {survivor.Name} after {holder.Name} stopped");
        var late = ticks.Of(key).Where(t => t.At > stoppedAt).ToArray();
        Assert.All(late, t => Assert.Equal(survivor.RuntimeIdentity, t.Silo));
        output.WriteLine($"{holder.Name} held the grain; first tick on {survivor.Name} {(late[0].At - stoppedAt).TotalSeconds:F1} s after it stopped; ticks: "
            + string.Join(", ", ticks.Of(key).Select(t => $"{t.At:HH:mm:ss.f}@{(t.Silo == first.RuntimeIdentity ? first.Name : second.Name)}")));

        await grain.StopAsync();
        Assert.Empty(await StorageTables.ReminderNamesAsync(azurite, serviceId));
    }
}
