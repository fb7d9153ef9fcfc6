using System.Net.Http.Json;
using System.Text.Json;
using Kcm.Abstractions.Classification;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests;

/// <summary>
/// The hint-reading large model (Fixtures/tiny_large_hint.onnx, its hint input found in the graph: no
/// Kcm:Embedded:HintInputName set) served end to end: large-route rows say "hint": "used" over HTTP and through the
/// SDK, small-route rows carry none, and kcm_hint_rows_total counts every large-route row echoed or overridden; with
/// Kcm:Embedded:UseHint false the same model's rows say "unused" and nothing is counted.
/// </summary>
public sealed class HintTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HintReadingModel_LargeRouteRowsSayUsed_OverHttpAndTheSdk_AndTheEchoCounterMoves()
    {
        var rows = Rows(64);
        await using var silo = await TestSilo.StartAsync();
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Host.Endpoints.GatewayPort });

        var (routes, hints) = await InferRawAsync(silo, rows);
        var overSdk = await client.ClassifyAsync(TestSilo.Model, [.. rows.SelectMany(r => r)], rows.Length);

        var large = Enumerable.Range(0, rows.Length).Where(i => routes[i] == "large").ToList();
        output.WriteLine($"large route {large.Count} of {rows.Length}");
        Assert.NotEmpty(large);
        Assert.All(large, i => Assert.Equal("used", hints[i]));
        Assert.All(Enumerable.Range(0, rows.Length).Except(large), i => Assert.Null(hints[i]));
        Assert.True(overSdk.HintApplied);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(overSdk.Routes[i] == SampleRoute.Large ? HintUse.Used : null, overSdk.HintOf(i));
        }

        // Both requests' large rows are counted once each; the tiny model adds 100 x the hint to its logits, so it
        // echoes the small model's class on (nearly) every row.
        var sdkLarge = overSdk.Routes.Count(r => r == SampleRoute.Large);
        var text = await silo.ScrapeMetricsUntilAsync(t => ExpositionText.Sum(t, "kcm_hint_rows_total") >= large.Count + sdkLarge);
        var echoed = ExpositionText.Sum(text, "kcm_hint_rows_total", ("outcome", "echoed"));
        var overridden = ExpositionText.Sum(text, "kcm_hint_rows_total", ("outcome", "overridden"));
        output.WriteLine($"hint rows: echoed {echoed}, overridden {overridden}");
        Assert.Equal(large.Count + sdkLarge, echoed + overridden);
        Assert.True(echoed > overridden, $"echoed {echoed}, overridden {overridden}");
    }

    [Fact]
    public async Task UseHintFalse_LargeRouteRowsSayUnused_AndNoHintRowIsCounted()
    {
        var rows = Rows(64);
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Embedded:UseHint"] = "false" });

        var (routes, hints) = await InferRawAsync(silo, rows);

        var large = Enumerable.Range(0, rows.Length).Where(i => routes[i] == "large").ToList();
        Assert.NotEmpty(large);
        Assert.All(large, i => Assert.Equal("unused", hints[i]));
        Assert.All(Enumerable.Range(0, rows.Length).Except(large), i => Assert.Null(hints[i]));
        var text = await silo.ScrapeMetricsUntilAsync(t => ExpositionText.Sum(t, "kcm_requests_total", ("route", "large")) >= large.Count);
        Assert.Equal(large.Count, ExpositionText.Sum(text, "kcm_requests_total", ("route", "large")));
        Assert.Equal(0, ExpositionText.Sum(text, "kcm_hint_rows_total"));
    }

    private static float[][] Rows(int count)
    {
        var test = FashionMnist.LoadTest().Slice(0, count);
        return [.. Enumerable.Range(0, count).Select(i => test.Row(i).ToArray())];
    }

    /// <summary>Each row's route and hint as the JSON body spells them (a null hint: absent or null).</summary>
    private static async Task<(string?[] Routes, string?[] Hints)> InferRawAsync(TestSilo silo, float[][] rows)
    {
        using var response = await silo.Http.PostAsJsonAsync(KcmRoutes.InferPath(TestSilo.Model), new InferRequest(rows), KcmJsonContext.Default.InferRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        return (
            [.. results.Select(r => r.GetProperty("route").GetString())],
            [.. results.Select(r => r.TryGetProperty("hint", out var hint) && hint.ValueKind == JsonValueKind.String ? hint.GetString() : null)]);
    }
}
