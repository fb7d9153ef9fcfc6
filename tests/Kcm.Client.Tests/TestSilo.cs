using System.Net;
using Kcm.Client.Tests.Fakes;
using Kcm.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcm.Client.Tests;

/// <summary>A real Orleans silo in this process, on free loopback ports, hosting the fake grains.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private TestSilo(IHost host, int gatewayPort)
    {
        _host = host;
        GatewayPort = gatewayPort;
    }

    /// <summary>The port clients connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>The gateway endpoint, for <see cref="KcmClientOptions.Gateways"/>.</summary>
    public IPEndPoint Gateway => new(IPAddress.Loopback, GatewayPort);

    /// <summary>Starts a silo with localhost clustering on two free ports.</summary>
    public static async Task<TestSilo> StartAsync()
    {
        var siloPort = LoopbackPort.Free();
        var gatewayPort = LoopbackPort.Free();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort));
        var host = builder.Build();
        await host.StartAsync();
        return new TestSilo(host, gatewayPort);
    }

    /// <summary>Client options for this silo; <paramref name="configure"/> changes the rest.</summary>
    public KcmClientOptions Options(Action<KcmClientOptions>? configure = null)
    {
        var options = new KcmClientOptions { Gateways = [Gateway] };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Stops the silo (abruptly enough for a test: calls that never answer are released first).</summary>
    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stopping.Token);
        _host.Dispose();
    }
}
