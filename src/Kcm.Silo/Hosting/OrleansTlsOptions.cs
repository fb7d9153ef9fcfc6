namespace Kcm.Silo.Hosting;

/// <summary>
/// Mutual TLS on the silo-to-silo and gateway ports (configuration section <c>Kcm:Orleans:Tls</c>), from PEM files such
/// as a Kubernetes TLS Secret mounts (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>). All three set: every connection
/// is TLS and the other end must present a certificate the authority signed; none set: plain TCP (the default).
/// </summary>
public sealed class OrleansTlsOptions
{
    /// <summary>PEM file of this silo's certificate (may hold its chain); usable for server and client authentication.</summary>
    /// <value>Default unset (no TLS).</value>
    public string? CertificatePath { get; set; }

    /// <summary>PEM file of the certificate's private key.</summary>
    /// <value>Default unset.</value>
    public string? KeyPath { get; set; }

    /// <summary>PEM file of the authority (or authorities) that every silo's and client's certificate must chain to.</summary>
    /// <value>Default unset.</value>
    public string? CertificateAuthorityPath { get; set; }

    /// <summary>Whether TLS is configured (any path set; <see cref="Problems"/> insists on all three).</summary>
    public bool IsConfigured => CertificatePath is not null || KeyPath is not null || CertificateAuthorityPath is not null;

    /// <summary>The problems of these settings, each prefixed with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (!IsConfigured)
        {
            yield break;
        }

        foreach (var (name, path) in new[]
                 {
                     (nameof(CertificatePath), CertificatePath),
                     (nameof(KeyPath), KeyPath),
                     (nameof(CertificateAuthorityPath), CertificateAuthorityPath),
                 })
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                yield return $"{prefix}{name} must be set: TLS needs the certificate, its key and the authority.";
            }
            else if (!File.Exists(path))
            {
                yield return $"{prefix}{name} names a file that does not exist ('{path}').";
            }
        }
    }
}
