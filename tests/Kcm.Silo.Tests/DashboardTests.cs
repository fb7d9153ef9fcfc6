using System.Net;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>The Orleans dashboard: off unless Kcm:Orleans:DashboardPort is set, then only on that loopback port.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Dashboard_OffByDefault_IsServedNowhere()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        using var response = await silo.Http.GetAsync("/dashboard/");

        Assert.Null(silo.Host.DashboardAddress);
        Assert.Null(silo.Host.Endpoints.DashboardPort);
        Assert.Single(silo.Host.Addresses);
        await Problems.AssertAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task Dashboard_On_IsServedOnlyOnItsOwnLoopbackPort()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Orleans:DashboardPort"] = "0" }, waitUntilReady: false);
        var dashboard = silo.Host.DashboardAddress!;
        using var dashboardPort = new HttpClient { BaseAddress = new Uri(dashboard.GetLeftPart(UriPartial.Authority)) };

        using var page = await dashboardPort.GetAsync("/dashboard/");
        using var version = await dashboardPort.GetAsync("/dashboard/version");
        using var apiOnDashboardPort = await dashboardPort.GetAsync(KcmRoutes.Healthz);
        using var dashboardOnApiPort = await silo.Http.GetAsync("/dashboard/");

        Assert.Equal("127.0.0.1", dashboard.Host);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        await Problems.AssertAsync(apiOnDashboardPort, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await Problems.AssertAsync(dashboardOnApiPort, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.DoesNotContain(silo.Host.Addresses, a => a.Port == dashboard.Port);
    }
}
