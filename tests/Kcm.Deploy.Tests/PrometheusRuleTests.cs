using Kcm.Testing;
using static Kcm.Deploy.Tests.RenderedOverlay;

namespace Kcm.Deploy.Tests;

/// <summary>The PrometheusRule checked and unit-tested by Debian's promtool.</summary>
public sealed class PrometheusRuleTests(RenderedOverlays overlays) : IClassFixture<RenderedOverlays>
{
    private static readonly string UnitTestsPath = RepositoryRoot.Combine("deploy", "k8s", "components", "monitoring", "prometheus-rule.test.yaml");

    /// <summary>
    /// The alerts issues 7 and 16 ask for: routing band, the large pool's backlog and refusals, swap failures and stale
    /// versions, failing distillation and its backlog, a teacher buffer filling while storage is away, silo count (membership against scrape, no gpu or cpu silo), scrape.
    /// </summary>
    private static readonly string[] RequiredAlerts =
    [
        "KcmLargeShareDrift", "KcmLargeBacklogGrowing", "KcmLargeModelRefusing", "KcmServingSwapFailures",
        "KcmStaleServingVersion", "KcmDistillationFailing", "KcmDistillationBacklog", "KcmTeacherRecordsDropped",
        "KcmTeacherBufferFilling", "KcmSiloMembershipMismatch", "KcmNoGpuSilo", "KcmNoCpuSilo", "KcmScrapeDown",
    ];

    private PrometheusRules Rules => new(overlays["prod"]);

    [Fact]
    public void Rules_PassPromtoolCheck()
    {
        using var folder = new TemporaryFolder();
        var path = Rules.WriteTo(folder.Path);
        var check = ExternalCommand.Run("promtool", ["check", "rules", path]);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains($"SUCCESS: {Rules.Rules.Count} rules found", check.Output);
    }

    [Fact]
    public void Rules_RecordTheRoutingRatioLatencyBacklogsAndSilos_AndRaiseEveryRequiredAlert()
    {
        Assert.Contains("kcm:large_share:ratio_rate5m", Rules.RecordNames);
        foreach (var quantile in new[] { "p50", "p90", "p99" })
        {
            Assert.Contains($"kcm:request_duration_seconds:{quantile}_rate5m", Rules.RecordNames);
        }

        foreach (var record in new[] { "kcm:large_queue_depth:sum", "kcm:teacher_queue_depth:max", "kcm:silos_in_membership:max", "kcm:silos_scraped:count" })
        {
            Assert.Contains(record, Rules.RecordNames);
        }

        Assert.Equal(RequiredAlerts.Order(), Rules.AlertNames.Order());
        Assert.All(Rules.Rules.Where(r => r["alert"] is not null), alert =>
        {
            Assert.False(string.IsNullOrEmpty(Text(alert["labels"]?["severity"])));
            Assert.False(string.IsNullOrEmpty(Text(alert["annotations"]?["summary"])));
        });
    }

    [Fact]
    public void Rules_PassTheirPromtoolUnitTests()
    {
        var result = RunUnitTests(rewriteExpression: null);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.StandardOutput);
    }

    [Fact]
    public void UnitTests_CoverTheRoutingRatio_AndEveryAlert()
    {
        var text = File.ReadAllText(UnitTestsPath);
        Assert.Contains("expr: kcm:large_share:ratio_rate5m", text);
        foreach (var alert in RequiredAlerts)
        {
            Assert.Contains("alertname: " + alert, text);
        }
    }

    [Fact]
    public void UnitTests_Fail_WhenTheSiloCountReadsTheWrongSeries()
    {
        // Shows the membership tests can fail: the silo count taken from the directory's ring of another view.
        var result = RunUnitTests(expr => expr.Replace("count by (namespace) (orleans_consistent_ring_size)", "count by (namespace) (orleans_directory_ring_size)", StringComparison.Ordinal));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("kcm:silos_scraped:count", result.Output);
    }

    [Fact]
    public void UnitTests_Fail_WhenTheRoutingRatioCountsTheWrongRoute()
    {
        // Shows the unit tests can fail: the ratio computed over the small route instead of the large one.
        var result = RunUnitTests(expr => expr.Replace("route=\"large\", outcome=\"ok\"", "route=\"small\", outcome=\"ok\"", StringComparison.Ordinal));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("kcm:large_share:ratio_rate5m", result.Output);
    }

    private ExternalCommand RunUnitTests(Func<string, string>? rewriteExpression)
    {
        using var folder = new TemporaryFolder();
        Rules.WriteTo(folder.Path, rewriteExpression);
        var tests = Path.Combine(folder.Path, Path.GetFileName(UnitTestsPath));
        File.Copy(UnitTestsPath, tests);
        return ExternalCommand.Run("promtool", ["test", "rules", tests], folder.Path);
    }
}
