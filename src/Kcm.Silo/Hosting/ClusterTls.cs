using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kcm.Abstractions.Security;
using Orleans.Connections.Security;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Puts the silo's Orleans connections (silo to silo both ways, and the gateway) under mutual TLS from
/// <see cref="OrleansTlsOptions"/>: the silo presents its certificate and accepts only peers whose certificate chains to
/// the configured authority, so a client without such a certificate cannot open a gateway connection at all.
/// </summary>
internal static class ClusterTls
{
    public static void Apply(ISiloBuilder silo, OrleansTlsOptions options)
    {
        var (certificate, authorities) = Load(options);
        silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (remote, chain, errors) => ClusterCertificateTrust.IsTrusted(remote, chain, errors, authorities);
        });
    }

    /// <summary>Reads the PEM files; throws <see cref="ArgumentException"/> naming the file that cannot be used.</summary>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Authorities) Load(OrleansTlsOptions options)
    {
        const string Prefix = "Invalid silo configuration: " + KcmSiloOptions.SectionName + ":Orleans:Tls:";
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException(
                $"{Prefix}{nameof(OrleansTlsOptions.CertificatePath)} and {nameof(OrleansTlsOptions.KeyPath)} must be a PEM certificate and its private key ({e.Message}).", e);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(options.CertificateAuthorityPath!);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{Prefix}{nameof(OrleansTlsOptions.CertificateAuthorityPath)} must hold PEM certificates ({e.Message}).", e);
        }

        if (authorities.Count == 0)
        {
            throw new ArgumentException($"{Prefix}{nameof(OrleansTlsOptions.CertificateAuthorityPath)} holds no certificate ('{options.CertificateAuthorityPath}').");
        }

        return (certificate, authorities);
    }
}
