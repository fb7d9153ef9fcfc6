using Kcm.Cluster.Tests.Support;

namespace Kcm.Cluster.Tests;

/// <summary>`kcm cluster up|down` as a user runs it: clear errors, nothing started on bad input, down without a cluster is harmless.</summary>
public sealed class ClusterCommandTests
{
    [Fact]
    public async Task Up_with_bad_counts_names_each_problem_and_starts_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("kcm-cluster-bad-").FullName;
        try
        {
            var (code, output) = await KcmCli.RunAsync(["cluster", "up", "--folder", folder, "--distillers", "0", "--large", "-1", "--larg", "3"], TimeSpan.FromMinutes(1));
            Assert.Equal(1, code);
            Assert.Contains("--distillers must be 1 to 4 (was 0)", output, StringComparison.Ordinal);
            Assert.Contains("--large must be 0 to 16 (was -1)", output, StringComparison.Ordinal);
            Assert.Contains("'--larg' is not an option of 'cluster up'", output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "state.json")), "a refused 'up' must not record a cluster");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Down_without_a_cluster_says_so_and_succeeds()
    {
        var folder = Directory.CreateTempSubdirectory("kcm-cluster-none-").FullName;
        try
        {
            var (code, output) = await KcmCli.RunAsync(["cluster", "down", "--folder", folder], TimeSpan.FromMinutes(1));
            Assert.Equal(0, code);
            Assert.Contains("No cluster is running", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
