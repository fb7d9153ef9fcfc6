using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kcm.Silo.Hosting;

/// <summary>
/// A cluster's own certificate authority for Orleans TLS where no authority is at hand (a local cluster, tests): a new
/// self-signed authority signs one member certificate, usable for server and client authentication, which every silo
/// and every local client presents. The files are those a Kubernetes TLS Secret mounts (<c>tls.crt</c>, <c>tls.key</c>,
/// <c>ca.crt</c>), each of mode 0600 in a folder of mode 0700. The authority's private key is never written: nobody can
/// sign another member afterwards, so a new member means a new authority for the whole cluster.
/// </summary>
public static class ClusterCertificates
{
    public const string CertificateFile = "tls.crt";

    public const string KeyFile = "tls.key";

    public const string AuthorityFile = "ca.crt";

    /// <summary>The TLS settings that point at the files in <paramref name="folder"/>.</summary>
    public static OrleansTlsOptions In(string folder) => new()
    {
        CertificatePath = Path.Combine(folder, CertificateFile),
        KeyPath = Path.Combine(folder, KeyFile),
        CertificateAuthorityPath = Path.Combine(folder, AuthorityFile),
    };

    /// <summary>
    /// Makes a new authority named <paramref name="name"/> and a member certificate valid for <paramref name="lifetime"/>,
    /// writes them into <paramref name="folder"/> (created when missing; older files replaced) and returns their settings.
    /// </summary>
    public static OrleansTlsOptions Create(string folder, string name, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest($"CN={name} authority", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // The authority outlives its member by a day, so the member's validity alone decides when to renew.
        using var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime).AddDays(1));

        using var memberKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var memberRequest = new CertificateRequest($"CN={name} member", memberKey, HashAlgorithmName.SHA256);
        memberRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        memberRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Server authentication (a silo accepting) and client authentication (a silo or client connecting).
        memberRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var member = memberRequest.Create(authority, now.AddMinutes(-5), now.Add(lifetime), RandomNumberGenerator.GetBytes(8));

        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        var files = In(folder);
        WritePrivate(files.CertificatePath!, member.ExportCertificatePem());
        WritePrivate(files.KeyPath!, memberKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(files.CertificateAuthorityPath!, authority.ExportCertificatePem());
        return files;
    }

    /// <summary>When the member certificate in <paramref name="folder"/> expires; null when it is missing or unreadable.</summary>
    public static DateTimeOffset? ValidUntil(string folder)
    {
        var files = In(folder);
        if (!File.Exists(files.CertificatePath) || !File.Exists(files.KeyPath) || !File.Exists(files.CertificateAuthorityPath))
        {
            return null;
        }

        try
        {
            using var member = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            return new DateTimeOffset(member.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Writes a new file of mode 0600 beside <paramref name="path"/>, then moves it over: never readable by others, never half written.</summary>
    private static void WritePrivate(string path, string text)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(temporary, options)))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
