using Kcm.Storage.Tests.Grains;
using Xunit.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>Orleans Azure Table clustering on Azurite: silos find each other through the membership table alone.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureTableClusteringTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private const int ProbeCount = 32;

    [Fact]
    public async Task Two_silos_form_one_cluster_through_the_table_and_the_survivor_takes_over_a_stopped_silos_grains()
    {
        var azurite = fixture.Azurite;
        var serviceId = AzuriteFixture.NewServiceId("clustering");
        var ticks = new TickLog();
        await using var first = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-a", ticks);
        await using var second = await AzuriteSilo.StartAsync(azurite, serviceId, "silo-b", ticks);
        await using var client = await AzuriteClient.ConnectAsync(azurite, serviceId);

        Assert.Equal(["silo-a", "silo-b"], await StorageTables.ActiveSiloNamesAsync(azurite, serviceId));
        var hosts = await client.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        string[] both = [.. new[] { first.RuntimeIdentity, second.RuntimeIdentity }.Order(StringComparer.Ordinal)];
        Assert.Equal(both, hosts.Keys.Select(a => a.ToString()).Order(StringComparer.Ordinal));

        // Random placement over 32 keys puts activations on both silos (all on one: probability 2^-31).
        var before = await WhereAsync(client);
        Assert.Equal(both, before.Distinct().Order(StringComparer.Ordinal));

        // A call from an activation on one silo to one on the other crosses the silo-to-silo connection.
        var onFirst = Array.IndexOf(before, first.RuntimeIdentity);
        var onSecond = Array.IndexOf(before, second.RuntimeIdentity);
        Assert.Equal(second.RuntimeIdentity, await client.Grains.GetGrain<ISiloProbeGrain>(onFirst).GetSiloOfAsync(onSecond));
        Assert.Equal(first.RuntimeIdentity, await client.Grains.GetGrain<ISiloProbeGrain>(onSecond).GetSiloOfAsync(onFirst));

        var moved = before.Count(s => s == second.RuntimeIdentity);
        await second.StopAsync();
        Assert.Equal(["silo-a"], await StorageTables.ActiveSiloNamesAsync(azurite, serviceId));

        // Every probe answers again, from the survivor: the stopped silo's grains re-activated there.
        string[] after = [];
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    after = await WhereAsync(client);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // The client may still hold the stopped silo's gateway for a moment.
                    output.WriteLine($"during take-over: {e.GetType().Name}: {e.Message}");
                    return false;
                }

                return after.All(s => s == first.RuntimeIdentity);
            },
            TimeSpan.FromSeconds(20),
            "every probe answers from silo-a after silo-b stopped");
        output.WriteLine($"{moved} of {ProbeCount} probes moved from silo-b to silo-a");
    }

    private static Task<string[]> WhereAsync(AzuriteClient client) =>
        Task.WhenAll(Enumerable.Range(0, ProbeCount).Select(k => client.Grains.GetGrain<ISiloProbeGrain>(k).GetSiloAsync()));
}
