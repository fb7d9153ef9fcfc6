using System.Net;
using Kcm.Silo.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests;

/// <summary>Stopping the host drains in-flight HTTP requests before the silo stops: a request still calling grains completes.</summary>
public sealed class GracefulDrainTests
{
    [Fact]
    public async Task Stop_WhileARequestIsInFlight_TheRequestStillReachesItsGrainsAndCompletes()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var silo = await TestSilo.StartAsync(waitUntilReady: false, configure: builder =>
            builder.Services.AddSingleton<IStartupFilter>(new SlowRoute(entered, release)));
        // A client of its own: the test silo's client is disposed (cancelling its requests) when the silo is.
        using var client = new HttpClient { BaseAddress = silo.Host.Addresses[0] };
        var request = client.GetAsync(SlowRoute.Path);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = silo.DisposeAsync().AsTask();
        await Task.Delay(300);
        Assert.False(stopping.IsCompleted, "the host stopped without waiting for the in-flight request");
        release.SetResult();
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hosts: 1", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A route that waits to be released, then calls a grain (the management grain) and answers.</summary>
    private sealed class SlowRoute(TaskCompletionSource entered, TaskCompletionSource release) : IStartupFilter
    {
        public const string Path = "/test/slow";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                if (context.Request.Path != Path)
                {
                    await following(context);
                    return;
                }

                entered.SetResult();
                await release.Task;
                var hosts = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
                await context.Response.WriteAsync($"hosts: {hosts.Count}");
            });
            next(app);
        };
    }
}
