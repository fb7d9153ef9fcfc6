using Kcm.Client;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>
/// A silo with Orleans TLS (Kcm:Orleans:Tls, mutual): a client holding a certificate of the cluster's authority
/// classifies; a client without TLS, or with a certificate of another authority, cannot call a grain and is told so
/// within seconds (not after a hang).
/// </summary>
public sealed class OrleansTlsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TlsSilo_ClientWithTheClusterCertificate_Classifies_OthersCannotConnect()
    {
        using var cluster = TestCertificates.Create("kcm-test");
        using var stranger = TestCertificates.Create("stranger");
        var test = FashionMnist.LoadTest().Slice(0, 8);
        var features = test.Features.AsSpan(0, test.Count * test.FeatureCount).ToArray();
        await using var silo = await TestSilo.StartAsync(cluster.SiloSettings);
        var port = silo.Host.Endpoints.GatewayPort;

        await using (var client = await KcmClient.ConnectAsync(new KcmClientOptions
        {
            LocalGatewayPort = port,
            TlsCertificate = cluster.Member,
            TlsCertificateAuthorities = cluster.Authorities(),
        }).WaitAsync(Bound))
        {
            var answer = await client.ClassifyAsync(TestSilo.Model, features, test.Count);
            Assert.Equal(test.Count, answer.Labels.Length);
        }

        var plain = await RefusedAsync(new KcmClientOptions { LocalGatewayPort = port });
        var foreign = await RefusedAsync(new KcmClientOptions
        {
            LocalGatewayPort = port,
            TlsCertificate = stranger.Member,
            TlsCertificateAuthorities = stranger.Authorities(),
        });
        // Trusting the cluster's authority is not enough: the silo asks for a certificate the authority signed.
        var untrustedClient = await RefusedAsync(new KcmClientOptions
        {
            LocalGatewayPort = port,
            TlsCertificate = stranger.Member,
            TlsCertificateAuthorities = cluster.Authorities(),
        });

        Assert.All([plain, foreign, untrustedClient], e => Assert.Contains("Could not connect", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsSettings_WithAMissingFile_AreRefusedNamingTheField()
    {
        using var cluster = TestCertificates.Create("kcm-test");
        var settings = new Dictionary<string, string>(cluster.SiloSettings) { ["Kcm:Orleans:Tls:KeyPath"] = "/nonexistent/tls.key" };

        var refused = Assert.Throws<ArgumentException>(() => TestSilo.Create("/nonexistent-store", new CapturedLogs(), settings));

        Assert.Contains("Kcm:Orleans:Tls:KeyPath names a file that does not exist", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Connects and classifies with <paramref name="options"/>, expecting a typed failure within <see cref="Bound"/>.</summary>
    private static async Task<KcmException> RefusedAsync(KcmClientOptions options)
    {
        options.MaxAttempts = 1;
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = await Assert.ThrowsAnyAsync<KcmException>(async () =>
        {
            await using var client = await KcmClient.ConnectAsync(options).WaitAsync(Bound);
            await client.ClassifyAsync(TestSilo.Model, new float[FashionMnist.PixelCount], 1).WaitAsync(Bound);
        });
        Assert.True(started.Elapsed < Bound, $"the refusal took {started.Elapsed}");
        return failure;
    }
}
