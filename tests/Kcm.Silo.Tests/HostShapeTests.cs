using System.Net;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;

namespace Kcm.Silo.Tests;

/// <summary>What the host serves whatever its models: liveness, the OpenAPI document, the scrape with Orleans' series, refusals of unknown routes.</summary>
public sealed class HostShapeTests
{
    [Fact]
    public async Task Healthz_AnswersOkWhileTheSiloRuns()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var live = await silo.Http.GetAsync(KcmRoutes.Healthz);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("ok", await live.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryContractPath()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var document = JsonDocument.Parse(await silo.Http.GetStringAsync(KcmRoutes.OpenApi));

        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[]
        {
            KcmRoutes.Infer, KcmRoutes.Model, KcmRoutes.Threshold, KcmRoutes.Rollback, KcmRoutes.Distill, KcmRoutes.Distillation,
            KcmRoutes.Generate, KcmRoutes.Metrics, KcmRoutes.Healthz, KcmRoutes.Readyz,
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var inferBody = paths.GetProperty(KcmRoutes.Infer).GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(inferBody.TryGetProperty(KcmMediaTypes.OctetStream, out _));
        Assert.True(inferBody.TryGetProperty(KcmMediaTypes.Json, out _));
        Assert.False(paths.TryGetProperty("/dashboard", out _));
    }

    [Fact]
    public async Task Metrics_ServeOrleansSeriesInThePrometheusTextFormat()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var response = await silo.Http.GetAsync(KcmRoutes.Metrics);
        var text = await response.Content.ReadAsStringAsync();
        var families = ExpositionText.Families(text);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.True(families.Count(f => f.StartsWith("orleans_", StringComparison.Ordinal)) >= 10,
            "few orleans_ families: " + string.Join(", ", families.Where(f => f.StartsWith("orleans_", StringComparison.Ordinal))));
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", families);
        Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPathAndWrongMethod_AreProblems()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var missing = await silo.Http.GetAsync("/v2/nothing");
        using var wrongMethod = await silo.Http.DeleteAsync(KcmRoutes.Healthz);

        await Problems.AssertAsync(missing, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await Problems.AssertAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed);
    }

    [Fact]
    public async Task UnknownModel_IsRefusedOnEveryModelRoute()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var infer = await silo.Http.PostAsync(KcmRoutes.InferPath("nope"), JsonBody("""{"inputs":[[0.5]]}"""));
        using var model = await silo.Http.GetAsync(KcmRoutes.ModelPath("nope"));
        using var distillation = await silo.Http.GetAsync(KcmRoutes.DistillationPath("nope"));

        await Problems.AssertAsync(infer, HttpStatusCode.NotFound, ProblemCodes.UnknownModel);
        await Problems.AssertAsync(model, HttpStatusCode.NotFound, ProblemCodes.UnknownModel);
        await Problems.AssertAsync(distillation, HttpStatusCode.NotFound, ProblemCodes.UnknownModel);
    }

    [Fact]
    public async Task TwoSilosInOneProcess_RunSideBySideOnTheirOwnPorts()
    {
        await using var first = await TestSilo.StartAsync(waitUntilReady: false);
        await using var second = await TestSilo.StartAsync(waitUntilReady: false);

        Assert.NotEqual(first.Host.Endpoints.SiloPort, second.Host.Endpoints.SiloPort);
        Assert.NotEqual(first.Host.Endpoints.GatewayPort, second.Host.Endpoints.GatewayPort);
        Assert.Equal(HttpStatusCode.OK, (await first.Http.GetAsync(KcmRoutes.Healthz)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync(KcmRoutes.Healthz)).StatusCode);
    }

    [Fact]
    public void InvalidSettings_AreRefusedNamingEachField()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(
        [
            "--Kcm:Roles=gpu,tpu",
            "--Kcm:Orleans:SiloPort=70000",
            "--Kcm:AdminToken=short",
            "--Kcm:MaxBatchSize=0",
        ]));

        Assert.Contains("Kcm:Roles", error.Message, StringComparison.Ordinal);
        Assert.Contains("tpu", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Orleans:SiloPort", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:AdminToken", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:MaxBatchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidServingSettings_AreRefusedWhenTheHostIsBuilt()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(["--Kcm:Calibration:Epsilon=2", "--Kcm:Embedded:Epochs=0"]));

        Assert.Contains("Kcm:Calibration:Epsilon", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Embedded:Epochs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRemovedFixedDefaultThreshold_IsRefused_PointingToCalibration()
    {
        // Refused, not ignored: a deployment still setting it would otherwise serve a threshold it did not ask for.
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(["--Kcm:DefaultThreshold=0.98"]));

        Assert.Contains("Kcm:DefaultThreshold", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:Calibration:Rule=FixedEpsilon", error.Message, StringComparison.Ordinal);
    }

    private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, KcmMediaTypes.Json);
}
