using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.Cli.Tests;

/// <summary>
/// <c>kcm demo --cluster</c> as a user runs it, at a small size: with no cluster running it starts Azurite and two silo
/// processes (a cpu,distiller and a gpu silo) in a temporary folder, serves the traffic through the Orleans client,
/// distils, and stops and removes all of it at the end, and also when interrupted (Ctrl+C).
/// </summary>
public sealed partial class ClusterDemoTests(ITestOutputHelper output)
{
    private static readonly string[] SmallRun =
    [
        "--cluster", "--silos", "2", "--seed-size", "1000", "--epochs", "1", "--traffic", "3000", "--waves", "2", "--test-size", "1000",
        "--records-per-round", "500",
    ];

    [Fact]
    public async Task ClusterDemo_NoClusterRunning_StartsOneServesThroughTheOrleansClientDistilsAndLeavesNothingRunning()
    {
        Assert.True(AzuriteServer.IsInstalled, "Azurite is not installed (./kcm setup).");
        using var demo = DemoProcess.Start([.. SmallRun, "--json", "report.json"]);
        var stopwatch = Stopwatch.StartNew();

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(6));

        output.WriteLine($"kcm demo --cluster took {stopwatch.Elapsed.TotalSeconds:F0} s:\n{demo.Output}");
        Assert.True(exit == 0, $"exit code {exit}:\n{demo.Output}");
        // Azurite and both silos were started by the demo, and none of them runs any more; the folder is gone.
        var pids = Pids().Matches(demo.Output).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToList();
        Assert.Equal(3, pids.Count);
        Assert.All(pids, pid => Assert.False(ProcessState.Runs(pid), $"process {pid} still runs"));
        Assert.Empty(Directory.GetDirectories(demo.Temporary, "kcm-demo-cluster-*"));
        Assert.Contains("gpu-1", demo.Output, StringComparison.Ordinal);
        Assert.Contains("distiller-1", demo.Output, StringComparison.Ordinal);
        // Each stopped by SIGTERM, none killed after the grace period.
        Assert.Equal(3, StoppedLines().Matches(demo.Output).Count);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(demo.Home, "report.json")));
        var root = report.RootElement;
        Assert.True(root.GetProperty("options").GetProperty("cluster").GetBoolean());
        var traffic = root.GetProperty("traffic");
        var test = root.GetProperty("test");
        Assert.Equal(3000, traffic.GetProperty("samples").GetInt32());
        Assert.Equal(1000, test.GetProperty("samples").GetInt32());
        // The large model (93 % alone) answers what the judge doubts: a broken route drags accuracy down or the share
        // to an end; every sample routed one way would be a threshold or judge that never made it across.
        Assert.InRange(test.GetProperty("accuracy").GetDouble(), 0.80, 1.0);
        Assert.InRange(traffic.GetProperty("large_share").GetDouble(), 0.05, 0.95);
        Assert.InRange(test.GetProperty("large_share").GetDouble(), 0.02, 0.95);
        Assert.InRange(test.GetProperty("request_latency_p50").GetDouble(), 0.01, 5_000);
        // Rounds ran on the distiller silo, fed by the gpu silo's records through the Azure Storage queue, and swapped.
        var rounds = root.GetProperty("distillation_rounds");
        Assert.True(rounds.GetProperty("accepted").GetInt32() + rounds.GetProperty("rejected").GetInt32() >= 1, rounds.ToString());
        Assert.Equal(0, rounds.GetProperty("failed").GetInt32());
        Assert.True(root.GetProperty("final_small_version").GetInt32() >= test.GetProperty("last_small_version").GetInt32());
    }

    [Fact]
    public async Task ClusterDemo_InterruptedWhileServing_StopsTheClusterItStartedAndExits130()
    {
        Assert.True(AzuriteServer.IsInstalled, "Azurite is not installed (./kcm setup).");
        Assert.False(
            PosixSignal.InterruptIgnoredHere,
            "The tests run with SIGINT ignored (started in the background by a shell without job control, e.g. nohup ... &), so the demo cannot see Ctrl+C: run ./kcm test in the foreground.");
        using var demo = DemoProcess.Start([.. SmallRun, "--json", "report.json"]);
        await demo.WaitForLineAsync(line => line.Contains("3. Live traffic", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
        var pids = Pids().Matches(demo.Output).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToList();
        Assert.Equal(3, pids.Count);
        Assert.All(pids, pid => Assert.True(ProcessState.Runs(pid), $"process {pid} does not run"));

        Assert.True(PosixSignal.Interrupt(demo.Id));
        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(1));

        output.WriteLine(demo.Output);
        Assert.Equal(130, exit);
        Assert.All(pids, pid => Assert.False(ProcessState.Runs(pid), $"process {pid} still runs"));
        Assert.Empty(Directory.GetDirectories(demo.Temporary, "kcm-demo-cluster-*"));
        Assert.False(File.Exists(Path.Combine(demo.Home, "report.json")));
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex Pids();

    [GeneratedRegex(@"\(pid \d+\) stopped\.")]
    private static partial Regex StoppedLines();
}
