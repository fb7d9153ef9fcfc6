namespace Kcm.Cli.Cluster;

/// <summary>What <c>cluster up</c> should leave running.</summary>
/// <param name="Fronts">Silos with the front role.</param>
/// <param name="Large">Silos with the large role.</param>
/// <param name="Distillers">Silos with the distiller role (beyond the first: hot standbys).</param>
/// <param name="ReadyTimeout">How long one silo may take to become ready (a first start trains the seed models).</param>
/// <param name="SiloArguments">Passed to every <c>kcm serve</c>, e.g. <c>--Kcm:Embedded:SeedSamples=1000</c>.</param>
internal sealed record ClusterUpOptions(int Fronts, int Large, int Distillers, TimeSpan ReadyTimeout, IReadOnlyList<string> SiloArguments)
{
    /// <summary>The problems with these counts, one message each (empty when valid).</summary>
    public IEnumerable<string> Problems()
    {
        if (Fronts is < 0 or > 16)
        {
            yield return $"--fronts must be 0 to 16 (was {Fronts}).";
        }

        if (Large is < 0 or > 16)
        {
            yield return $"--large must be 0 to 16 (was {Large}).";
        }

        if (Distillers is < 1 or > 4)
        {
            yield return $"--distillers must be 1 to 4 (was {Distillers}): one distiller makes the cluster's first small model.";
        }

        if (ReadyTimeout <= TimeSpan.Zero)
        {
            yield return "--ready-timeout must be positive.";
        }

        // Anything else on the command line goes to the silos; a mistyped option must not vanish into their configuration.
        foreach (var argument in SiloArguments)
        {
            if (!argument.StartsWith("--Kcm:", StringComparison.Ordinal) && !argument.StartsWith("--Logging:", StringComparison.Ordinal))
            {
                yield return $"'{argument}' is not an option of 'cluster up'; settings for the silos are --Kcm:<Name>=<value> (or --Logging:...=...).";
            }
        }
    }
}
