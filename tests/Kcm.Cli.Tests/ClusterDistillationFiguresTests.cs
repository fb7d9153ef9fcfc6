using System.Diagnostics;
using Kcm.Cli.Demo;
using Kcm.Contracts;
using Kcm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kcm.Cli.Tests;

/// <summary>The demo's cluster figures: each silo's GET /v1/models/{model}/distillation added up over HTTP.</summary>
public sealed class ClusterDistillationFiguresTests
{
    [Fact]
    public async Task ReadAsync_FrontDistillerAndAStoppedSilo_AddsUpWhatAnswersAtOnce()
    {
        // A front counts records it queued; a distiller its rounds and the records they used.
        await using var front = await StartSiloAnsweringAsync(new DistillationInfo(KcmRoutes.DefaultModel, 0, 0, 0, 0, 700, 0));
        await using var distiller = await StartSiloAnsweringAsync(new DistillationInfo(KcmRoutes.DefaultModel, 3, 1, 0, 2, 0, 650));
        var stopped = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
        using var figures = new ClusterDistillationFigures([new Uri(front.Urls.Single()), new Uri(distiller.Urls.Single()), stopped]);
        var stopwatch = Stopwatch.StartNew();

        var total = await figures.ReadAsync(CancellationToken.None);

        Assert.Equal(new DistillationInfo(KcmRoutes.DefaultModel, 3, 1, 0, 2, 700, 650), total);
        // No retries on the stopped silo: the live bar reads every second.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"reading took {stopwatch.Elapsed}");
    }

    /// <summary>A Kestrel app answering the distillation route with fixed figures, as a silo does with its own.</summary>
    private static async Task<WebApplication> StartSiloAnsweringAsync(DistillationInfo figures)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet(KcmRoutes.Distillation, (string model) =>
            model == figures.Model ? Results.Json(figures, KcmJsonContext.Default.DistillationInfo) : Results.NotFound());
        await app.StartAsync();
        return app;
    }
}
