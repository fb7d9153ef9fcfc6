namespace Kcm.Silo.Hosting;

/// <summary>
/// The Orleans silo's settings (configuration section <c>Kcm:Orleans</c>): its address and ports, the cluster's
/// identity, membership timings, the shortest reminder period, and the optional dashboard. Whether the silo uses
/// localhost clustering or the cluster's storage account is decided by <see cref="ClusterStorageOptions"/>.
/// </summary>
public sealed class OrleansHostOptions
{
    /// <summary>
    /// The IP address this silo listens on and advertises to the cluster (in the membership table) when it runs on the
    /// cluster's storage account; the embedded silo always uses loopback.
    /// </summary>
    /// <value>Default "127.0.0.1" (loopback: every silo on this machine).</value>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Whether the silo and gateway ports listen on every local address rather than only <see cref="Address"/> (e.g. in a container).</summary>
    /// <value>Default false.</value>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>The silo's name in the membership table, logs and dashboard; unset lets Orleans name it.</summary>
    /// <value>Default unset.</value>
    public string? SiloName { get; set; }

    /// <summary>The shortest reminder period grains may register, in seconds (Orleans' own minimum is 60 s; distillation rounds tick every 10 s or less).</summary>
    /// <value>Default 1; 0.1 to 3600.</value>
    public double MinimumReminderPeriodSeconds { get; set; } = 1;

    /// <summary>How fast a dead silo is declared dead.</summary>
    public MembershipHostOptions Membership { get; set; } = new();

    /// <summary>Port silos talk to each other on; 0 picks a free one at start.</summary>
    /// <value>Default 11111; 0 to 65535.</value>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (the Kcm.Client SDK) connect to; 0 picks a free one at start.</summary>
    /// <value>Default 30000; 0 to 65535.</value>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The Orleans cluster id clients must name to connect.</summary>
    /// <value>Default "default" (Orleans' <c>ClusterOptions.DefaultClusterId</c>, as the Kcm.Client SDK assumes).</value>
    public string ClusterId { get; set; } = Orleans.Configuration.ClusterOptions.DefaultClusterId;

    /// <summary>The Orleans service id (names grain storage across deployments).</summary>
    /// <value>Default "default" (Orleans' <c>ClusterOptions.DefaultServiceId</c>, as the Kcm.Client SDK assumes).</value>
    public string ServiceId { get; set; } = Orleans.Configuration.ClusterOptions.DefaultServiceId;

    /// <summary>
    /// Loopback port of the Orleans dashboard (only <c>/dashboard</c> is served there); unset means no dashboard. 0 picks
    /// a free port at start.
    /// </summary>
    /// <value>Default unset (off).</value>
    public int? DashboardPort { get; set; }

    /// <summary>
    /// Whether the silo runs in a Kubernetes pod with Orleans' Kubernetes hosting (pod name, pod IP, cluster ids from
    /// the downward API; a pod watcher); needs <c>Kcm:AzureStorage:ConnectionString</c>. Set by deploy/k8s.
    /// </summary>
    /// <value>Default false.</value>
    public bool Kubernetes { get; set; }

    /// <summary>Mutual TLS on the silo and gateway ports (certificate, key and authority from PEM files); unset: plain TCP.</summary>
    public OrleansTlsOptions Tls { get; set; } = new();

    /// <summary>The problems of these settings, each prefixed with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (SiloPort is < 0 or > 65_535)
        {
            yield return $"{prefix}{nameof(SiloPort)} must be 0 to 65535 (was {SiloPort}).";
        }

        if (GatewayPort is < 0 or > 65_535)
        {
            yield return $"{prefix}{nameof(GatewayPort)} must be 0 to 65535 (was {GatewayPort}).";
        }

        if (SiloPort != 0 && SiloPort == GatewayPort)
        {
            yield return $"{prefix}{nameof(SiloPort)} and {nameof(GatewayPort)} must differ (both {SiloPort}).";
        }

        if (DashboardPort is < 0 or > 65_535)
        {
            yield return $"{prefix}{nameof(DashboardPort)} must be unset or 0 to 65535 (was {DashboardPort}).";
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            yield return $"{prefix}{nameof(ClusterId)} must not be empty.";
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            yield return $"{prefix}{nameof(ServiceId)} must not be empty.";
        }

        if (!System.Net.IPAddress.TryParse(Address, out var address) || address.Equals(System.Net.IPAddress.Any) || address.Equals(System.Net.IPAddress.IPv6Any))
        {
            yield return $"{prefix}{nameof(Address)} must be an IP address other silos can reach, not a host name or 0.0.0.0 (was '{Address}'; "
                + $"set {nameof(ListenOnAnyAddress)} to listen on every address).";
        }

        if (SiloName is not null && string.IsNullOrWhiteSpace(SiloName))
        {
            yield return $"{prefix}{nameof(SiloName)} must not be blank when set.";
        }

        if (!(MinimumReminderPeriodSeconds is >= 0.1 and <= 3600))
        {
            yield return $"{prefix}{nameof(MinimumReminderPeriodSeconds)} must be 0.1 to 3600 (was {MinimumReminderPeriodSeconds}).";
        }

        foreach (var problem in Membership.Problems($"{prefix}{nameof(Membership)}:"))
        {
            yield return problem;
        }

        foreach (var problem in Tls.Problems($"{prefix}{nameof(Tls)}:"))
        {
            yield return problem;
        }
    }
}
