using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcm.Cluster.Tests.Support;

/// <summary>A real silo on Kestrel (127.0.0.1, port 0) in cluster mode with the given roles, and an HttpClient pointed at it.</summary>
public sealed class ClusterSilo : IAsyncDisposable
{
    public const string AdminToken = "cluster-admin-token";

    private ClusterSilo(SiloHost host, HttpClient http, ArithmeticLargeModel large)
    {
        Host = host;
        Http = http;
        Large = large;
    }

    public SiloHost Host { get; }

    public HttpClient Http { get; }

    /// <summary>This silo's large model instance (used only when it has the large role).</summary>
    public ArithmeticLargeModel Large { get; }

    public static async Task<ClusterSilo> StartAsync(Uri broker, string storePath, string nodeId, string roles)
    {
        var large = new ArithmeticLargeModel();
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--Kcm:StorePath=" + storePath,
            "--Kcm:Roles=" + roles,
            "--Kcm:NodeId=" + nodeId,
            "--Kcm:RabbitMq:Uri=" + broker,
            "--Kcm:AdminToken=" + AdminToken,
            "--Kcm:Distillation:Enabled=false",
        ];
        var host = SiloHost.Create(args, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IServingModelSource>(new ClusterModelSource(large));
        });
        await host.StartAsync();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        var http = new HttpClient { BaseAddress = host.Addresses[0], Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        return new ClusterSilo(host, http, large);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
