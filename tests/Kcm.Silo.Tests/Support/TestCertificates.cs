using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A throw-away certificate authority made in this process and a certificate it signed (for silos and clients alike),
/// written as the PEM files a Kubernetes TLS Secret mounts (tls.crt, tls.key, ca.crt). Nothing is checked in.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string folder, X509Certificate2 authority, X509Certificate2 member)
    {
        Folder = folder;
        Authority = authority;
        Member = member;
    }

    public string Folder { get; }

    /// <summary>The authority (self-signed, with its key).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>A certificate the authority signed, with its key, for server and client authentication.</summary>
    public X509Certificate2 Member { get; }

    public string CertificatePath => Path.Combine(Folder, "tls.crt");

    public string KeyPath => Path.Combine(Folder, "tls.key");

    public string AuthorityPath => Path.Combine(Folder, "ca.crt");

    /// <summary>The silo settings that turn Orleans TLS on with these files.</summary>
    public IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["Kcm:Orleans:Tls:CertificatePath"] = CertificatePath,
        ["Kcm:Orleans:Tls:KeyPath"] = KeyPath,
        ["Kcm:Orleans:Tls:CertificateAuthorityPath"] = AuthorityPath,
    };

    /// <summary>A new authority named <paramref name="name"/> and a member certificate, written to a new folder.</summary>
    public static TestCertificates Create(string name)
    {
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest($"CN={name} authority", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var memberKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var memberRequest = new CertificateRequest($"CN={name} silo", memberKey, HashAlgorithmName.SHA256);
        memberRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        memberRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        memberRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(8);
        using var signed = memberRequest.Create(authority, now.AddMinutes(-1), now.AddHours(12), serial);
        var member = signed.CopyWithPrivateKey(memberKey);

        var folder = Directory.CreateTempSubdirectory("kcm-tls-").FullName;
        var certificates = new TestCertificates(folder, authority, member);
        File.WriteAllText(certificates.CertificatePath, member.ExportCertificatePem());
        File.WriteAllText(certificates.KeyPath, memberKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificates.AuthorityPath, authority.ExportCertificatePem());
        return certificates;
    }

    /// <summary>The authority alone, as a client's <c>TlsCertificateAuthorities</c>.</summary>
    public X509Certificate2Collection Authorities() => [X509CertificateLoader.LoadCertificate(Authority.RawData)];

    public void Dispose()
    {
        Member.Dispose();
        Authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
