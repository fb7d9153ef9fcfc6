using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Kcm.Client;
using Kcm.OrleansCluster.Tests.Support;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>`kcm cluster up|down` as a user runs it: Azurite and silo processes up, served through the printed gateways, down, and up again on the kept data.</summary>
public sealed partial class ClusterCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Up_WithBadOptions_NamesEachProblem_AndStartsNothing()
    {
        var folder = Directory.CreateTempSubdirectory("kcm-cluster-bad-").FullName;
        try
        {
            var (code, text) = await KcmCli.RunAsync(
                ["cluster", "up", "--folder", folder, "--silos", "0", "--silo", "3", "--Kcm:Roles=gpu", "--Kcm:AdminToken=not-on-a-command-line",
                    "--Kcm:Orleans:ListenOnAnyAddress=true", "--port", "80"], TimeSpan.FromMinutes(1));

            Assert.Equal(1, code);
            Assert.Contains("--silos must be 1 to 16 (was 0)", text, StringComparison.Ordinal);
            Assert.Contains("'--silo' is not an option of 'cluster up'", text, StringComparison.Ordinal);
            Assert.Contains("cluster up sets Kcm:Roles for each silo itself", text, StringComparison.Ordinal);
            Assert.Contains("cluster up sets Kcm:AdminToken for each silo itself", text, StringComparison.Ordinal);
            Assert.Contains("cluster up sets Kcm:Orleans:ListenOnAnyAddress for each silo itself", text, StringComparison.Ordinal);
            Assert.Contains("--port must be 1024 to", text, StringComparison.Ordinal);
            // A refused secret is not repeated: it would land in terminal scroll-back and CI logs.
            Assert.DoesNotContain("not-on-a-command-line", text, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, "state.json")), "a refused 'up' must not record a cluster");
            Assert.False(Directory.Exists(Path.Combine(folder, "azurite")), "a refused 'up' must not start Azurite");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task UpServesThroughThePrintedGateways_DownStopsEverything_AndUpAgainKeepsTheData()
    {
        var folder = Directory.CreateTempSubdirectory("kcm-cluster-up-").FullName;
        string[] up = ["cluster", "up", "--folder", folder, "--silos", "2", "--ready-timeout", "120", .. ProcessClusterFixture.SiloArguments];
        try
        {
            var clock = Stopwatch.StartNew();
            var (code, text) = await KcmCli.RunAsync(up, CommandTimeout);
            var upTime = clock.Elapsed;
            Assert.True(code == 0, $"cluster up failed ({code}):\n{text}");
            var gateways = Gateways().Match(text);
            Assert.True(gateways.Success, "no gateways line:\n" + text);
            Assert.Matches(@"http +http://127\.0\.0\.1:\d+", text);
            var pids = Pids(folder);
            Assert.Equal(3, pids.Count);

            var threshold = 0.9997;
            // The cluster's own name (from its folder): Orleans refuses a client that names another.
            var name = ClusterName().Match(text).Groups[1].Value;
            await using (var client = await KcmClient.ConnectAsync(new KcmClientOptions
            {
                Gateways = [.. gateways.Groups[1].Value.Split(',').Select(IPEndPoint.Parse)],
                ClusterId = name,
                ServiceId = name,
                // Admin grain calls need the token cluster up wrote (mode 0600) into the folder.
                AdminToken = File.ReadAllText(Path.Combine(folder, "admin-token")).Trim(),
            }))
            {
                var answer = await client.ClassifyAsync(ClusterLoad.Model, new float[Kcm.Core.Data.FashionMnist.PixelCount], 1);
                Assert.Single(answer.Labels);
                await client.SetThresholdAsync(ClusterLoad.Model, threshold);
            }

            var (again, againText) = await KcmCli.RunAsync(up, CommandTimeout);
            Assert.True(again == 0, againText);
            Assert.DoesNotContain("starting", againText, StringComparison.Ordinal);
            Assert.Equal(pids, Pids(folder));

            clock.Restart();
            var (down, downText) = await KcmCli.RunAsync(["cluster", "down", "--folder", folder], CommandTimeout);
            var downTime = clock.Elapsed;
            Assert.True(down == 0, downText);
            Assert.All(pids, pid => Assert.False(ProcessState.Runs(pid), $"pid {pid} still runs after 'cluster down':\n{downText}"));
            Assert.DoesNotContain("killed", downText, StringComparison.Ordinal);

            // Azurite's data stayed in the folder: the registry's state (the threshold set above) is read back.
            clock.Restart();
            (code, text) = await KcmCli.RunAsync(up, CommandTimeout);
            var restartTime = clock.Elapsed;
            Assert.True(code == 0, $"cluster up after down failed ({code}):\n{text}");
            Assert.Equal(name, ClusterName().Match(text).Groups[1].Value);
            await using (var client = await KcmClient.ConnectAsync(new KcmClientOptions
            {
                Gateways = [.. Gateways().Match(text).Groups[1].Value.Split(',').Select(IPEndPoint.Parse)],
                ClusterId = name,
                ServiceId = name,
            }))
            {
                Assert.Equal(threshold, (await client.GetServingVersionAsync(ClusterLoad.Model))!.Threshold);
            }

            output.WriteLine($"cluster up (Azurite + 2 silos, first models trained) {upTime.TotalSeconds:F1} s; down {downTime.TotalSeconds:F1} s (SIGTERM, no kill); up again on the kept data {restartTime.TotalSeconds:F1} s");
        }
        finally
        {
            await KcmCli.RunAsync(["cluster", "down", "--folder", folder, "--grace", "5"], CommandTimeout);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AClusterSilo_StopsGracefullyOnSigterm_WithExitCodeZero()
    {
        var store = Directory.CreateTempSubdirectory("kcm-cluster-silo-").FullName;
        var url = $"http://127.0.0.1:{Kcm.Testing.LoopbackPort.Free()}";
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Kcm.Testing.RepositoryRoot.Path };
        foreach (var argument in (string[])[BuiltPrograms.Cli, "cluster-silo", "--urls=" + url, "--Kcm:Orleans:SiloPort=0", "--Kcm:Orleans:GatewayPort=0", "--Kcm:StorePath=" + store, .. ProcessClusterFixture.SiloArguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_HOME"] = Kcm.Testing.RepositoryRoot.Path;
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var ready = Stopwatch.StartNew();
            while (!await IsReadyAsync(http, url))
            {
                Assert.True(ready.Elapsed < ProcessClusterFixture.ReadyTimeout && !process.HasExited, "the silo did not become ready");
                await Task.Delay(200);
            }

            var stopping = Stopwatch.StartNew();
            Kcm.Testing.PosixSignal.Terminate(process.Id);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            // 143 would mean the command line's own 2 s termination timeout cut the silo's graceful stop off.
            Assert.Equal(0, process.ExitCode);
            output.WriteLine($"stopped {stopping.Elapsed.TotalSeconds:F2} s after SIGTERM, exit code {process.ExitCode}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(store, recursive: true);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(url + "/readyz"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The pids the state file records (Azurite's and every silo's).</summary>
    private static List<int> Pids(string folder)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "state.json")));
        return
        [
            state.RootElement.GetProperty("azurite").GetProperty("pid").GetInt32(),
            .. state.RootElement.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("pid").GetInt32()),
        ];
    }

    [GeneratedRegex(@"gateways (\S+)")]
    private static partial Regex Gateways();

    [GeneratedRegex(@"cluster id '([^']+)', service id '\1'")]
    private static partial Regex ClusterName();
}
