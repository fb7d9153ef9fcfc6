using System.Net;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>Readiness follows the grains' serving state: a silo with no serving version answers 503 not_ready everywhere it must.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task SiloWithoutAServingVersion_IsNotReady_AndRefusesInferenceRetriably()
    {
        // Only a distiller seeds the first version: a lone cpu silo never gets one.
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Roles"] = "cpu" }, waitUntilReady: false);

        using var ready = await silo.Http.GetAsync(KcmRoutes.Readyz);
        using var infer = await silo.InferAsync(new float[784]);
        using var model = await silo.Http.GetAsync(KcmRoutes.ModelPath(TestSilo.Model));
        using var live = await silo.Http.GetAsync(KcmRoutes.Healthz);

        var problem = await Problems.AssertAsync(ready, HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady);
        Assert.True(problem.Retriable);
        await Problems.AssertAsync(infer, HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady);
        Assert.Equal("1", infer.Headers.RetryAfter?.ToString());
        await Problems.AssertAsync(model, HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.False(silo.Host.State.IsReady);
    }
}
