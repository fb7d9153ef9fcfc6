using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kcm.Abstractions.Security;

/// <summary>
/// The one rule silos and clients apply to the certificate the other end presents over Orleans TLS: it must chain to
/// one of the cluster's own certificate authorities. Names are not checked: silos and gateways are reached by pod IP,
/// which no certificate names, so membership of the cluster is "holds a certificate the cluster's authority signed".
/// </summary>
public static class ClusterCertificateTrust
{
    /// <summary>Whether <paramref name="remote"/> chains to one of <paramref name="authorities"/> (intermediates from <paramref name="presented"/>), within its validity period.</summary>
    public static bool IsTrusted(X509Certificate2 remote, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(authorities);
        if (authorities.Count == 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Revocation needs a CRL endpoint a private cluster authority rarely runs; rotation is by short-lived certificates.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(remote);
    }
}
