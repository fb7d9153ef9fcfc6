using System.Net;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Orleans' Kubernetes hosting for a silo in a pod (<c>Kcm:Orleans:Kubernetes=true</c>, set by deploy/k8s): the silo
/// takes its name from <c>POD_NAME</c>, advertises <c>POD_IP</c> and listens on every interface, takes the cluster and
/// service ids from <c>ORLEANS_CLUSTER_ID</c> / <c>ORLEANS_SERVICE_ID</c>, and its pod watcher (which needs the RBAC of
/// deploy/k8s/base/rbac.yaml and <c>POD_NAMESPACE</c>) declares silos dead whose pods are gone. It supplements a real
/// clustering provider (Azure Table membership from <see cref="StorageConnectionKey"/>); it replaces none.
/// </summary>
internal static class KubernetesHosting
{
    /// <summary>The configuration key of the Azure Storage connection the silo's membership lives in.</summary>
    public const string StorageConnectionKey = "Kcm:AzureStorage:ConnectionString";

    /// <summary>
    /// Adds Orleans' Kubernetes hosting to <paramref name="silo"/>. Orleans fills in only endpoints nobody set, and the
    /// clustering may have set an address (localhost clustering sets loopback), so the pod's IP is advertised here after
    /// Orleans' own step; the listening endpoints are Orleans' (every interface of the pod).
    /// </summary>
    public static void Use(ISiloBuilder silo)
    {
        silo.UseKubernetesHosting();
        silo.ConfigureServices(services => services.PostConfigure<EndpointOptions>(endpoints =>
        {
            var podIp = Environment.GetEnvironmentVariable(KubernetesHostingOptions.PodIPEnvironmentVariable);
            if (!IPAddress.TryParse(podIp, out var address))
            {
                throw new InvalidOperationException(
                    $"Kcm:Orleans:Kubernetes needs {KubernetesHostingOptions.PodIPEnvironmentVariable} set to the pod's IP (downward API status.podIP); it is '{podIp}'.");
            }

            endpoints.AdvertisedIPAddress = address;
        }));
    }

    /// <summary>The problem with running under Kubernetes hosting in <paramref name="configuration"/>, or null.</summary>
    public static string? Problem(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[StorageConnectionKey])
            ? $"Kcm:Orleans:Kubernetes needs {StorageConnectionKey} (the Azure Storage the silos' membership lives in): localhost clustering cannot span pods."
            : null;
}
