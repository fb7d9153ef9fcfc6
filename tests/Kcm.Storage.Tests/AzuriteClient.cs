using Azure.Data.Tables;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Kcm.Storage.Tests;

/// <summary>An Orleans client that finds the cluster's gateways in Azurite's membership table, as a client process would.</summary>
public sealed class AzuriteClient : IAsyncDisposable
{
    private readonly IHost _host;

    private AzuriteClient(IHost host)
    {
        _host = host;
        Grains = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Grains { get; }

    /// <summary>Connects to cluster <paramref name="serviceId"/> (at least one silo must be running).</summary>
    public static async Task<AzuriteClient> ConnectAsync(AzuriteServer azurite, string serviceId, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "client",
            EnvironmentName = Environments.Production,
            DisableDefaults = true,
        });
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = serviceId;
                o.ServiceId = serviceId;
            });
            client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azurite.ConnectionString));
            // A stopped silo's gateway leaves the table; the client learns it sooner than the 1-minute default.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AzuriteClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _host.Dispose();
    }
}
