using System.Net;
using Kcm.Abstractions.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Kcm.Client;

/// <summary>Registers the KCM client in a service collection.</summary>
public static class KcmClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers an Orleans client connected to the gateways <paramref name="configure"/> names (static clustering), or to
    /// a silo on this machine (localhost clustering) when it names none, and a singleton <see cref="KcmClient"/> over it.
    /// The host starts the connection. Throws <see cref="ArgumentException"/> naming every invalid option at once.
    /// </summary>
    public static IServiceCollection AddKcmClient(this IServiceCollection services, Action<KcmClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new KcmClientOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddOrleansClient(client => ConfigureOrleansClient(client, options));
        services.AddSingleton(options);
        services.AddSingleton(provider => new KcmClient(provider.GetRequiredService<IClusterClient>(), options));
        return services;
    }

    /// <summary>Clustering, ids and the response timeout of the Orleans client, from validated options.</summary>
    internal static void ConfigureOrleansClient(IClientBuilder client, KcmClientOptions options)
    {
        // Localhost clustering is static clustering to the loopback gateway; the ids are set here either way.
        client.UseStaticClustering(options.Gateways.Count == 0 ? [new IPEndPoint(IPAddress.Loopback, options.LocalGatewayPort)] : [.. options.Gateways]);
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });

        client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = options.ResponseTimeout);
        if (options.TlsCertificate is { } certificate)
        {
            var authorities = options.TlsCertificateAuthorities!;
            client.UseTls(certificate, tls =>
            {
                tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
                tls.RemoteCertificateValidation = (remote, chain, errors) => ClusterCertificateTrust.IsTrusted(remote, chain, errors, authorities);
            });
        }

        // Tries in flight through a gateway whose connection closes are retried at once, not after the response timeout.
        client.Services.AddSingleton<GatewayLossSignal>();
        client.Services.AddSingleton<IClusterConnectionStatusObserver>(provider => provider.GetRequiredService<GatewayLossSignal>());
    }
}
