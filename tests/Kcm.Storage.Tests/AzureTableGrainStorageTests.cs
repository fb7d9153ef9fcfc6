using Kcm.Abstractions.Registry;
using Kcm.Storage.Tests.Grains;
using Xunit.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>
/// Orleans Azure Table grain storage on Azurite, holding a registry-shaped state (serving versions that name weights
/// in the model store, a bounded history): it outlives the cluster and Azurite itself.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureTableGrainStorageTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private const string Model = "fashion-mnist";

    [Fact]
    public async Task Registry_state_survives_a_whole_cluster_restart_and_an_Azurite_restart_and_its_row_stays_bounded()
    {
        var azurite = fixture.Azurite;
        var serviceId = AzuriteFixture.NewServiceId("storage");
        var ticks = new TickLog();

        // Cluster 1 publishes 20 versions: the history keeps the last 16.
        ServingVersion[] written;
        await using (var silo = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-1", ticks))
        await using (var client = await AzuriteClient.ConnectAsync(azurite, serviceId))
        {
            var registry = client.Grains.GetGrain<IRegistryProbeGrain>(Model);
            for (var i = 1; i <= 20; i++)
            {
                await registry.PublishAsync(Proposal(i));
            }

            written = await registry.GetHistoryAsync();
        }

        Assert.Equal(Enumerable.Range(5, RegistryProbeState.HistoryLimit), written.Select(v => v.Version));
        var bytesAt20 = await StorageTables.GrainStateBytesAsync(azurite, serviceId);

        // Cluster 2 (new silo, new activation) reads exactly what cluster 1 wrote, then publishes 20 more.
        ServingVersion[] rewritten;
        await using (var silo = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-2", ticks))
        await using (var client = await AzuriteClient.ConnectAsync(azurite, serviceId))
        {
            var registry = client.Grains.GetGrain<IRegistryProbeGrain>(Model);
            Assert.Equal(written, await registry.GetHistoryAsync());
            for (var i = 21; i <= 40; i++)
            {
                await registry.PublishAsync(Proposal(i));
            }

            rewritten = await registry.GetHistoryAsync();
        }

        Assert.Equal(Enumerable.Range(25, RegistryProbeState.HistoryLimit), rewritten.Select(v => v.Version));
        var bytesAt40 = await StorageTables.GrainStateBytesAsync(azurite, serviceId);
        output.WriteLine($"stored state: {bytesAt20:N0} bytes after 20 publications, {bytesAt40:N0} after 40 (history of {RegistryProbeState.HistoryLimit})");
        Assert.InRange(bytesAt40, 1, bytesAt20 + 512);
        // One Orleans table entity holds at most 15 properties of 64 KiB; the registry keeps far below one.
        Assert.True(bytesAt40 < 64 * 1024, $"{bytesAt40} bytes");

        // Azurite stops gracefully (SIGTERM) and starts again on the same --location: the row is still there.
        await azurite.StopAsync();
        await azurite.StartAgainAsync();
        output.WriteLine($"Azurite restarted in {azurite.LastStartDuration.TotalSeconds:F2} s");
        await using (var silo = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-3", ticks))
        await using (var client = await AzuriteClient.ConnectAsync(azurite, serviceId))
        {
            Assert.Equal(rewritten, await client.Grains.GetGrain<IRegistryProbeGrain>(Model).GetHistoryAsync());
        }
    }

    private static ServingProposal Proposal(int round)
    {
        var created = new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero).AddMinutes(round).AddTicks(round * 1234567);
        return new ServingProposal(
            new StoredWeights($"{Model}.small", round, Convert.ToHexStringLower(BitConverter.GetBytes((long)round).Concat(new byte[24]).ToArray()), 0.8 + (round / 1000.0), created),
            new StoredWeights($"{Model}.judge", round, new string('a', 64), 0.9 + (round / 3000.0), created),
            Threshold: 0.5 + (round / 97.0),
            Reason: $"distillation round {round}");
    }
}
