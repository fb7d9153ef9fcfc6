using System.Net;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Kcm.Silo.Tests;

/// <summary>
/// <c>Kcm:Orleans:Kubernetes=true</c> as deploy/k8s sets it, checked on the built (not started) host: starting needs an
/// in-cluster Kubernetes API, which this machine has not. The pod's variables are set as the downward API sets them.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class KubernetesHostingTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["POD_NAME"] = "kcm-gpu-7d9f8-abcde",
        ["POD_NAMESPACE"] = "kcm",
        ["POD_IP"] = "10.244.1.17",
        ["ORLEANS_CLUSTER_ID"] = "kcm-prod",
        ["ORLEANS_SERVICE_ID"] = "kcm",
    };

    [Fact]
    public async Task KubernetesHosting_AdvertisesThePodIp_ListensOnAllInterfaces_AndTakesNameAndIdsFromThePod()
    {
        foreach (var (name, value) in Pod)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            await using var host = SiloHost.Create(
            [
                "--urls=http://127.0.0.1:0",
                "--Kcm:Orleans:Kubernetes=true",
                "--Kcm:Orleans:SiloPort=11111",
                "--Kcm:Orleans:GatewayPort=30000",
                "--" + KubernetesHosting.StorageConnectionKey + "=UseDevelopmentStorage=true",
            ]);

            var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
            Assert.Equal(IPAddress.Parse("10.244.1.17"), endpoints.AdvertisedIPAddress);
            Assert.Equal(new IPEndPoint(IPAddress.Any, 11111), endpoints.SiloListeningEndpoint);
            Assert.Equal(new IPEndPoint(IPAddress.Any, 30000), endpoints.GatewayListeningEndpoint);
            var cluster = host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
            Assert.Equal("kcm-prod", cluster.ClusterId);
            Assert.Equal("kcm", cluster.ServiceId);
            Assert.Equal("kcm-gpu-7d9f8-abcde", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        }
        finally
        {
            foreach (var name in Pod.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public async Task WithoutKubernetesHosting_TheSiloStaysOnLoopback()
    {
        await using var host = SiloHost.Create(["--urls=http://127.0.0.1:0", "--Kcm:Orleans:SiloPort=11111", "--Kcm:Orleans:GatewayPort=30000"]);

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Loopback, endpoints.AdvertisedIPAddress);
    }

    [Fact]
    public void KubernetesHosting_WithoutAStorageConnection_IsRefusedNamingTheKey()
    {
        var error = Assert.Throws<ArgumentException>(() => SiloHost.Create(["--Kcm:Orleans:Kubernetes=true"]));

        Assert.Contains(KubernetesHosting.StorageConnectionKey, error.Message, StringComparison.Ordinal);
    }
}
