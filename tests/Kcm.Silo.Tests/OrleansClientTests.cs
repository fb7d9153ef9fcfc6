using Kcm.Abstractions.Classification;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>The Orleans client SDK against the embedded silo's gateway, with the SDK's default cluster identity: the same answers as HTTP.</summary>
public sealed class OrleansClientTests
{
    [Fact]
    public async Task OrleansClient_ConnectsToTheGateway_ClassifiesAsHttpDoes()
    {
        var test = FashionMnist.LoadTest().Slice(0, 16);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        await using var silo = await TestSilo.StartAsync();
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Host.Endpoints.GatewayPort });

        var overHttp = await silo.InferOkAsync(rows);
        var overOrleans = await client.ClassifyAsync(TestSilo.Model, [.. rows.SelectMany(r => r)], rows.Length);

        Assert.Equal(overHttp.Results.Select(r => r.Label), overOrleans.Labels);
        Assert.Equal(overHttp.Results.Select(r => r.Route == InferenceRoute.Large), overOrleans.Routes.Select(r => r == SampleRoute.Large));
    }
}
