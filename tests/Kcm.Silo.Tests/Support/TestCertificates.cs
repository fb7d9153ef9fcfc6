using System.Security.Cryptography.X509Certificates;
using Kcm.Silo.Hosting;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A throw-away authority and the certificate it signed (<see cref="ClusterCertificates"/>), in a temporary folder, loaded
/// for the clients of a test. Nothing is checked in.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string folder, OrleansTlsOptions files)
    {
        Folder = folder;
        Files = files;
        Member = X509Certificate2.CreateFromPemFile(files.CertificatePath!, files.KeyPath);
    }

    public string Folder { get; }

    public OrleansTlsOptions Files { get; }

    /// <summary>The certificate the authority signed, with its key, for server and client authentication.</summary>
    public X509Certificate2 Member { get; }

    /// <summary>The silo settings that turn Orleans TLS on with these files.</summary>
    public IReadOnlyDictionary<string, string> SiloSettings => new Dictionary<string, string>
    {
        ["Kcm:Orleans:Tls:CertificatePath"] = Files.CertificatePath!,
        ["Kcm:Orleans:Tls:KeyPath"] = Files.KeyPath!,
        ["Kcm:Orleans:Tls:CertificateAuthorityPath"] = Files.CertificateAuthorityPath!,
    };

    /// <summary>A new authority named <paramref name="name"/> and a member certificate, written to a new folder.</summary>
    public static TestCertificates Create(string name)
    {
        var folder = Directory.CreateTempSubdirectory("kcm-tls-").FullName;
        return new TestCertificates(folder, ClusterCertificates.Create(folder, name, TimeSpan.FromHours(12)));
    }

    /// <summary>The authority alone, as a client's <c>TlsCertificateAuthorities</c>.</summary>
    public X509Certificate2Collection Authorities()
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(Files.CertificateAuthorityPath!);
        return authorities;
    }

    public void Dispose()
    {
        Member.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
