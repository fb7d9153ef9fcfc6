namespace Kcm.Cli.Cluster;

/// <summary>What <c>cluster up</c> should leave running.</summary>
/// <param name="Silos">How many silos (<see cref="ClusterPlan"/> says which roles each has).</param>
/// <param name="ReadyTimeout">How long one silo may take to become ready (a first start trains the seed models).</param>
/// <param name="SiloArguments">Passed to every silo, e.g. <c>--Kcm:Embedded:SeedSamples=1000</c>.</param>
/// <param name="FirstPort">
/// The first of the cluster's block of loopback ports (<see cref="PortBlock"/>); null lets the kernel choose free ones.
/// </param>
/// <param name="Tls">Mutual TLS on the silos' Orleans ports, with the cluster's own authority (<see cref="ClusterLayout.TlsFolder"/>).</param>
internal sealed record ClusterUpOptions(int Silos, TimeSpan ReadyTimeout, IReadOnlyList<string> SiloArguments, int? FirstPort = null, bool Tls = false)
{
    /// <summary>
    /// Settings <c>cluster up</c> gives each silo itself (its place in the cluster, its loopback-only sockets, its secrets):
    /// not to be overridden. A secret on the command line would be readable by every user (<c>ps</c>).
    /// </summary>
    private static readonly string[] OwnedSettings =
    [
        "Kcm:Roles", "Kcm:Orleans:SiloPort", "Kcm:Orleans:GatewayPort", "Kcm:Orleans:SiloName", "Kcm:Orleans:ClusterId",
        "Kcm:Orleans:ServiceId", "Kcm:AzureStorage:ConnectionString", "Kcm:AdminToken", "Kcm:Orleans:Address",
        "Kcm:Orleans:ListenOnAnyAddress", "Kcm:Orleans:Kubernetes", "Kcm:Orleans:Tls:CertificatePath", "Kcm:Orleans:Tls:KeyPath",
        "Kcm:Orleans:Tls:CertificateAuthorityPath",
    ];

    /// <summary>The problems with these options, one message each (empty when valid). No message repeats a setting's value: it may be a secret.</summary>
    public IEnumerable<string> Problems()
    {
        if (Silos is < 1 or > ClusterPlan.MaxSilos)
        {
            yield return $"--silos must be 1 to {ClusterPlan.MaxSilos} (was {Silos}).";
        }

        if (ReadyTimeout <= TimeSpan.Zero)
        {
            yield return "--ready-timeout must be positive.";
        }

        if (FirstPort is < PortBlock.LowestFirst or > PortBlock.HighestFirst)
        {
            yield return $"--port must be {PortBlock.LowestFirst} to {PortBlock.HighestFirst} (was {FirstPort}).";
        }

        // Anything else on the command line goes to the silos; a mistyped option must not vanish into their configuration.
        foreach (var argument in SiloArguments)
        {
            var key = argument.Split('=', 2)[0];
            if (!argument.StartsWith('-'))
            {
                // Not repeated: a value standing alone (e.g. after '--Kcm:AdminToken') may be a secret.
                yield return "A value stands alone on the command line; settings for the silos are one token each: --Kcm:<Name>=<value>.";
            }
            else if (!argument.StartsWith("--Kcm:", StringComparison.Ordinal) && !argument.StartsWith("--Logging:", StringComparison.Ordinal))
            {
                yield return $"'{key}' is not an option of 'cluster up'; settings for the silos are --Kcm:<Name>=<value> (or --Logging:...=...).";
            }
            else if (OwnedSettings.FirstOrDefault(owned => key.Equals("--" + owned, StringComparison.OrdinalIgnoreCase)) is { } owned)
            {
                yield return $"'{key}': cluster up sets {owned} for each silo itself (use --silos for the size, --port for the ports, --tls for TLS).";
            }
        }
    }
}
