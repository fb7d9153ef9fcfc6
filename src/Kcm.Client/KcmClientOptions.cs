using System.Net;
using System.Security.Cryptography.X509Certificates;
using Orleans.Configuration;

namespace Kcm.Client;

/// <summary>Settings of <see cref="KcmClient"/>; <see cref="Validate"/> reports every bad field in one exception.</summary>
public sealed class KcmClientOptions
{
    /// <summary>The default response timeout: one second above the silo's 5 s batch deadline.</summary>
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(6);

    /// <summary>The silos' gateway endpoints. Empty: localhost clustering on <see cref="LocalGatewayPort"/>.</summary>
    /// <value>Default empty.</value>
    public IList<IPEndPoint> Gateways { get; set; } = [];

    /// <summary>The gateway port on the loopback address when <see cref="Gateways"/> is empty.</summary>
    /// <value>Default 30000 (Orleans' localhost default); 1 .. 65535.</value>
    public int LocalGatewayPort { get; set; } = 30000;

    /// <summary>The cluster's id; must match the silos'.</summary>
    /// <value>Default Orleans' default ("default"), which a silo that names none has.</value>
    public string ClusterId { get; set; } = ClusterOptions.DefaultClusterId;

    /// <summary>The service's id; must match the silos'.</summary>
    /// <value>Default Orleans' default ("default"), which a silo that names none has.</value>
    public string ServiceId { get; set; } = ClusterOptions.DefaultServiceId;

    /// <summary>
    /// How long one grain call waits for its answer before it fails with a timeout. Calls in flight to a silo that dies
    /// hang until then, so it is short; calls whose interface declares their own (a distillation round) keep theirs.
    /// </summary>
    /// <value>Default 6 s (<see cref="DefaultResponseTimeout"/>); 100 ms .. 10 min.</value>
    public TimeSpan ResponseTimeout { get; set; } = DefaultResponseTimeout;

    /// <summary>
    /// How long <see cref="KcmClient.ConnectAsync"/> waits for a gateway to complete the connection before it throws
    /// <see cref="KcmUnavailableException"/>. A gateway that refuses the client's TLS (or its lack of TLS) may never answer.
    /// </summary>
    /// <value>Default 15 s (above the silos' 10 s TLS handshake limit); 1 s .. 10 min.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Tries of an idempotent call (classify, reads) on silo-unavailable, connection and timeout failures, the first included.</summary>
    /// <value>Default 3; 1 .. 10.</value>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Time limit of an idempotent call, all its tries and waits included.</summary>
    /// <value>Default 10 s; 100 ms .. 1 hour.</value>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The first wait between tries; each later one doubles, all within +-20 %: by default the second try comes 0.8-1.2 s
    /// after the first failure, the third 1.6-2.4 s after the second. A call that met a silo killed a moment before is
    /// so tried again after the cluster declared that silo dead (0.6-1.3 s measured on loopback, docs/cluster.md); until
    /// then its old address keeps answering "unable to connect".
    /// </summary>
    /// <value>Default 1 s; 0 .. 1 min.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The silos' admin token, sent with the admin calls (rollback, threshold, distillation round) in Orleans'
    /// <c>RequestContext</c>; without it a silo refuses them with <see cref="KcmUnauthorizedException"/>. Other calls never carry it.
    /// </summary>
    /// <value>Default unset (classify and reads only).</value>
    public string? AdminToken { get; set; }

    /// <summary>
    /// This client's certificate with its private key, for a cluster whose silos run Orleans TLS (Kcm:Orleans:Tls): set,
    /// every gateway connection is TLS and presents it; the silos accept it only when their authority signed it.
    /// </summary>
    /// <value>Default unset (plain TCP).</value>
    public X509Certificate2? TlsCertificate { get; set; }

    /// <summary>The cluster's certificate authorities: a gateway's certificate must chain to one of them. Required with <see cref="TlsCertificate"/>.</summary>
    /// <value>Default unset.</value>
    public X509Certificate2Collection? TlsCertificateAuthorities { get; set; }

    /// <summary>
    /// Sets <see cref="TlsCertificate"/> and <see cref="TlsCertificateAuthorities"/> from PEM files, as a Kubernetes TLS
    /// Secret mounts them or <c>kcm cluster up --tls</c> writes them (<c>tls/tls.crt</c>, <c>tls/tls.key</c>, <c>tls/ca.crt</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing or is not PEM of the expected kind (the message names it).</exception>
    public KcmClientOptions UseTlsFiles(string certificatePath, string keyPath, string authorityPath)
    {
        try
        {
            TlsCertificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new ArgumentException($"'{certificatePath}' and '{keyPath}' must be a PEM certificate and its private key ({e.Message}).", nameof(certificatePath), e);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(authorityPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new ArgumentException($"'{authorityPath}' must hold PEM certificates ({e.Message}).", nameof(authorityPath), e);
        }

        if (authorities.Count == 0)
        {
            throw new ArgumentException($"'{authorityPath}' holds no PEM certificate.", nameof(authorityPath));
        }

        TlsCertificateAuthorities = authorities;
        return this;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Gateways is null)
        {
            errors.Add($"{nameof(Gateways)} must not be null (leave it empty for localhost clustering).");
        }
        else if (Gateways.Any(endpoint => endpoint is null || endpoint.Port is < 1 or > 65535))
        {
            errors.Add($"{nameof(Gateways)} must hold endpoints with a port in 1 .. 65535.");
        }

        if (LocalGatewayPort is < 1 or > 65535)
        {
            errors.Add($"{nameof(LocalGatewayPort)} must be between 1 and 65535 (was {LocalGatewayPort}).");
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add($"{nameof(ClusterId)} must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            errors.Add($"{nameof(ServiceId)} must not be empty.");
        }

        if (ResponseTimeout < TimeSpan.FromMilliseconds(100) || ResponseTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{nameof(ResponseTimeout)} must be between 100 ms and 10 min (was {ResponseTimeout}).");
        }

        if (ConnectTimeout < TimeSpan.FromSeconds(1) || ConnectTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{nameof(ConnectTimeout)} must be between 1 s and 10 min (was {ConnectTimeout}).");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            errors.Add($"{nameof(MaxAttempts)} must be between 1 and 10 (was {MaxAttempts}).");
        }

        if (RetryBudget < TimeSpan.FromMilliseconds(100) || RetryBudget > TimeSpan.FromHours(1))
        {
            errors.Add($"{nameof(RetryBudget)} must be between 100 ms and 1 hour (was {RetryBudget}).");
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{nameof(RetryDelay)} must be between 0 and 1 min (was {RetryDelay}).");
        }

        if (AdminToken is { } token && string.IsNullOrWhiteSpace(token))
        {
            errors.Add($"{nameof(AdminToken)} must not be blank when set.");
        }

        if (TlsCertificate is { HasPrivateKey: false })
        {
            errors.Add($"{nameof(TlsCertificate)} must carry its private key (e.g. X509Certificate2.CreateFromPemFile(certificate, key)).");
        }

        if (TlsCertificate is not null && TlsCertificateAuthorities is not { Count: > 0 })
        {
            errors.Add($"{nameof(TlsCertificateAuthorities)} must hold the cluster's authority when {nameof(TlsCertificate)} is set.");
        }

        if (TlsCertificate is null && TlsCertificateAuthorities is not null)
        {
            errors.Add($"{nameof(TlsCertificateAuthorities)} is set without {nameof(TlsCertificate)}: the silos accept only clients that present a certificate.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid KcmClientOptions: " + string.Join(" ", errors));
        }
    }
}
