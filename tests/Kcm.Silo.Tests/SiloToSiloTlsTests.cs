using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Orleans.TestingHost;

namespace Kcm.Silo.Tests;

/// <summary>
/// Silo-to-silo TLS: two silos whose silo ports both run <see cref="ClusterTls"/> (TLS one way in, the other way out)
/// form one cluster when their certificates share an authority (that a peer of another authority is refused is the
/// same middleware's check, shown on the gateway port by <see cref="OrleansTlsTests"/>).
/// </summary>
public sealed class SiloToSiloTlsTests
{
    [Fact]
    public async Task TwoSilosWithCertificatesOfOneAuthority_FormACluster()
    {
        using var certificates = TestCertificates.Create("kcm-test");
        var tls = certificates.Files;
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => ClusterTls.Apply(silo, tls));
        builder.ConfigureClient(client => Orleans.Hosting.OrleansConnectionSecurityHostingExtensions.UseTls(
            client, certificates.Member, o => o.RemoteCertificateValidation = (c, chain, errors) =>
                Kcm.Abstractions.Security.ClusterCertificateTrust.IsTrusted(c, chain, errors, certificates.Authorities())));
        await using var cluster = builder.Build();
        await cluster.DeployAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var hosts = await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, hosts.Count);
        Assert.All(cluster.Silos, s => Assert.Contains(s.SiloAddress, hosts.Keys));
    }
}
