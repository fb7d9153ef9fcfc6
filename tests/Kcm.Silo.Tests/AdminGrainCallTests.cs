using Kcm.Abstractions.Registry;
using Kcm.Client;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>
/// The admin grain calls through the gateway: refused (typed, not retriable) without the silos' admin token or with a
/// wrong one, allowed with it; classification needs no token; the silo's own calls (its hosted client) need none.
/// </summary>
public sealed class AdminGrainCallTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClientWithoutTheAdminToken_IsRefusedAdminCalls_WhileClassifyWorks()
    {
        var rows = Rows(4);
        await using var silo = await TestSilo.StartAsync();
        var options = new KcmClientOptions { LocalGatewayPort = silo.Host.Endpoints.GatewayPort };
        await using var client = await KcmClient.ConnectAsync(options).WaitAsync(Bound);
        var before = (await client.GetServingVersionAsync(TestSilo.Model))!;

        var threshold = await Assert.ThrowsAsync<KcmUnauthorizedException>(() => client.SetThresholdAsync(TestSilo.Model, 0.5).WaitAsync(Bound));
        var rollback = await Assert.ThrowsAsync<KcmUnauthorizedException>(() => client.RollbackAsync(TestSilo.Model).WaitAsync(Bound));
        var round = await Assert.ThrowsAsync<KcmUnauthorizedException>(() => client.RunDistillationRoundAsync(TestSilo.Model).WaitAsync(Bound));
        var answer = await client.ClassifyAsync(TestSilo.Model, rows.Features, rows.Count);

        Assert.False(threshold.Retriable);
        Assert.Contains("no admin credential", threshold.Message, StringComparison.Ordinal);
        Assert.Contains("RollbackAsync", rollback.Message, StringComparison.Ordinal);
        Assert.Contains("RunRoundAsync", round.Message, StringComparison.Ordinal);
        Assert.Equal(rows.Count, answer.Labels.Length);
        Assert.Equal(before, await client.GetServingVersionAsync(TestSilo.Model)); // nothing was published
    }

    [Fact]
    public async Task ClientWithTheAdminToken_ChangesTheThreshold_AWrongTokenIsRefused()
    {
        await using var silo = await TestSilo.StartAsync();
        var port = silo.Host.Endpoints.GatewayPort;
        await using var wrong = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = port, AdminToken = "not-the-admin-token" }).WaitAsync(Bound);
        await using var admin = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = port, AdminToken = TestSilo.AdminToken }).WaitAsync(Bound);

        var refused = await Assert.ThrowsAsync<KcmUnauthorizedException>(() => wrong.SetThresholdAsync(TestSilo.Model, 0.6).WaitAsync(Bound));
        var published = await admin.SetThresholdAsync(TestSilo.Model, 0.6).WaitAsync(Bound);
        // The token travelled with that call only: a later call of the same client's, and the other client's, carry none.
        var current = await wrong.GetServingVersionAsync(TestSilo.Model);

        Assert.Contains("not the silos' admin token", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0.6, published.Threshold, 10);
        Assert.Equal(published, current);
    }

    [Fact]
    public async Task SiloWithoutAnAdminToken_RefusesEveryClientAdminCall_ButItsOwnCallsPass()
    {
        await using var silo = await TestSilo.StartAsync(withAdminToken: false);
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions
        {
            LocalGatewayPort = silo.Host.Endpoints.GatewayPort,
            AdminToken = TestSilo.AdminToken,
        }).WaitAsync(Bound);

        var refused = await Assert.ThrowsAsync<KcmUnauthorizedException>(() => client.SetThresholdAsync(TestSilo.Model, 0.7).WaitAsync(Bound));
        // The silo's own grain factory is its hosted client: inside the cluster, no credential is asked for.
        var published = await silo.Host.Grains.GetGrain<IModelRegistryGrain>(TestSilo.Model).SetThresholdAsync(0.7).WaitAsync(Bound);

        Assert.Contains("no admin token configured", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0.7, published.Threshold, 10);
        Assert.Equal(published, await client.GetServingVersionAsync(TestSilo.Model));
    }

    private static (float[] Features, int Count) Rows(int count)
    {
        var test = FashionMnist.LoadTest().Slice(0, count);
        return (test.Features.AsSpan(0, count * test.FeatureCount).ToArray(), count);
    }
}
