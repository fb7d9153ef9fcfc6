using Kcm.Placement.Tests.Grains;

namespace Kcm.Placement.Tests;

/// <summary>Summaries of where calls were served, for the test output.</summary>
public static class Placements
{
    /// <summary>One line per silo: its roles, calls served and distinct activations.</summary>
    public static string Describe(RoleCluster cluster, IReadOnlyCollection<ActivationReport> reports) =>
        string.Join("; ", cluster.Roles.Select(pair =>
        {
            var served = reports.Where(report => report.Silo.Equals(pair.Key)).ToList();
            return $"{pair.Key} [{pair.Value}]: {served.Count} calls, {served.Select(report => report.ActivationId).Distinct().Count()} activations";
        }));
}
