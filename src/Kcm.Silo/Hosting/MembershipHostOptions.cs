namespace Kcm.Silo.Hosting;

/// <summary>
/// How quickly silos declare a dead silo dead (configuration section <c>Kcm:Orleans:Membership</c>; Orleans'
/// <c>ClusterMembershipOptions</c>). The defaults detect a killed silo in about 2 s on loopback while keeping live
/// silos alive under full CPU load: see docs/cluster.md for the measurements behind them.
/// </summary>
public sealed class MembershipHostOptions
{
    /// <summary>
    /// The initial probe timeout, which is also the period between probes of one silo (Orleans adapts both between half
    /// and four times this value to the observed response times, and lengthens them while this silo is itself degraded).
    /// </summary>
    /// <value>Default 1000 ms; 100 to 60,000.</value>
    public int ProbeTimeoutMilliseconds { get; set; } = 1000;

    /// <summary>Missed probes in a row after which a silo suspects the probed one (the last probe goes through another silo).</summary>
    /// <value>Default 2; 1 to 10.</value>
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Suspicions (from different silos) needed to declare a silo dead; Orleans asks for at most half the live silos, and
    /// a failed indirect probe brings the intermediary's vote with the prober's, so 2 costs no detection time (measured)
    /// while one starved silo alone cannot declare a live one dead.
    /// </summary>
    /// <value>Default 2; 1 to 10.</value>
    public int VotesForDeathDeclaration { get; set; } = 2;

    /// <summary>The problems of these settings, each prefixed with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (ProbeTimeoutMilliseconds is < 100 or > 60_000)
        {
            yield return $"{prefix}{nameof(ProbeTimeoutMilliseconds)} must be 100 to 60000 (was {ProbeTimeoutMilliseconds}).";
        }

        if (MissedProbesLimit is < 1 or > 10)
        {
            yield return $"{prefix}{nameof(MissedProbesLimit)} must be 1 to 10 (was {MissedProbesLimit}).";
        }

        if (VotesForDeathDeclaration is < 1 or > 10)
        {
            yield return $"{prefix}{nameof(VotesForDeathDeclaration)} must be 1 to 10 (was {VotesForDeathDeclaration}).";
        }
    }
}
