using System.Net;
using Kcm.Abstractions.Classification;
using Kcm.Client.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class OptionsTests(SiloFixture fixture)
{
    [Fact]
    public void Validate_NamesEveryBadField_InOneException()
    {
        var options = new KcmClientOptions
        {
            Gateways = [new IPEndPoint(IPAddress.Loopback, 0)],
            LocalGatewayPort = 70000,
            ClusterId = " ",
            ServiceId = "",
            ResponseTimeout = TimeSpan.FromMilliseconds(5),
            MaxAttempts = 0,
            RetryBudget = TimeSpan.Zero,
            RetryDelay = TimeSpan.FromMinutes(2),
        };

        var exception = Assert.Throws<ArgumentException>(options.Validate);

        foreach (var field in new[] { "Gateways", "LocalGatewayPort", "ClusterId", "ServiceId", "ResponseTimeout", "MaxAttempts", "RetryBudget", "RetryDelay" })
        {
            Assert.Contains(field, exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_AreValid()
    {
        var options = new KcmClientOptions();
        options.Validate();
        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RetryBudget);
        Assert.Empty(options.Gateways);
    }

    [Fact]
    public void AddKcmClient_RejectsBadOptions_AtRegistration()
    {
        var exception = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKcmClient(o => o.MaxAttempts = 11));
        Assert.Contains("MaxAttempts", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddKcmClient_RegistersAClient_TheHostConnects()
    {
        var model = GrainScripts.NewKey("di");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, argument) => Task.FromResult<object?>(Results.Completed((ClassifyBatch)argument!)));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKcmClient(o => o.Gateways.Add(fixture.Silo.Gateway));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<KcmClient>();

            var result = await client.ClassifyAsync(model, [1, 2, 3, 4], rows: 2);

            Assert.Equal([0, 1], result.Labels);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void UseTlsFiles_LoadsThePemFiles_AndNamesAFileItCannotUse()
    {
        var folder = Directory.CreateTempSubdirectory("kcm-client-tls-").FullName;
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest(
                "CN=kcm client test", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
            var crt = Path.Combine(folder, "tls.crt");
            var pem = Path.Combine(folder, "tls.key");
            File.WriteAllText(crt, certificate.ExportCertificatePem());
            File.WriteAllText(pem, key.ExportPkcs8PrivateKeyPem());

            var options = new KcmClientOptions().UseTlsFiles(crt, pem, crt);

            Assert.True(options.TlsCertificate!.HasPrivateKey);
            Assert.Single(options.TlsCertificateAuthorities!);
            options.Validate();
            var missing = Path.Combine(folder, "absent.key");
            var refused = Assert.Throws<ArgumentException>(() => new KcmClientOptions().UseTlsFiles(crt, missing, crt));
            Assert.Contains(missing, refused.Message, StringComparison.Ordinal);
            refused = Assert.Throws<ArgumentException>(() => new KcmClientOptions().UseTlsFiles(crt, pem, pem));
            Assert.Contains(pem, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
