using System.Diagnostics;
using System.Net;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Kcm.Client;
using Kcm.OrleansCluster.Tests.Support;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// Issue 16's local cluster that keeps its secrets, through <c>kcm cluster up|down</c> as a user runs it: Azurite on an
/// account of its own, the admin token and storage connection only in files of mode 0600 (never in the output, a log, the
/// state file or any other file), every listening socket on 127.0.0.1, two clusters side by side each answering with
/// its own name, and clashes (a port in use, a running folder asked for other ports) refused before anything starts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterSecretsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task TwoClustersSideBySide_KeepTheirSecrets_ListenOnLoopbackOnly_AndClashesAreRefused()
    {
        var first = new ClusterFolder(Directory.CreateTempSubdirectory("kcm-secrets-a-").FullName);
        var second = new ClusterFolder(Directory.CreateTempSubdirectory("kcm-secrets-b-").FullName);
        var third = new ClusterFolder(Directory.CreateTempSubdirectory("kcm-secrets-c-").FullName);
        var outputs = new List<string>();
        var pids = new List<int>();
        try
        {
            var clock = Stopwatch.StartNew();
            outputs.Add(await UpAsync(first));
            pids.AddRange(first.Pids);
            var firstUp = clock.Elapsed;
            clock.Restart();
            // The second on ports it asks for (Azurite's three, then silo-1's HTTP, silo and gateway port), logging at
            // Debug: Orleans then dumps its options, and the check below finds no secret in them.
            var block = FreeBlock(6);
            outputs.Add(await UpAsync(
                second, "--port", $"{block}", "--Logging:LogLevel:Default=Debug", "--Logging:LogLevel:Orleans=Debug", "--Logging:LogLevel:Microsoft=Debug"));
            pids.AddRange(second.Pids);
            var secondUp = clock.Elapsed;
            Assert.Equal(block, second.AzuriteBlobPort);
            Assert.Equal(block + 5, Assert.Single(second.Gateways).Port);

            // Each cluster has its own account, not Azurite's published one, and its own name.
            foreach (var cluster in (ClusterFolder[])[first, second])
            {
                Assert.NotEqual(ClusterFolder.PublishedAccountKey, cluster.ConnectionValue("AccountKey"));
                Assert.NotEqual("devstoreaccount1", cluster.ConnectionValue("AccountName"));
                Assert.Equal(64, Convert.FromBase64String(cluster.ConnectionValue("AccountKey")).Length);
                Assert.True(cluster.AdminToken.Length >= 16, "the admin token is too short");
            }

            Assert.NotEqual(first.ConnectionValue("AccountKey"), second.ConnectionValue("AccountKey"));
            Assert.NotEqual(first.AdminToken, second.AdminToken);
            Assert.NotEqual(first.ClusterId, second.ClusterId);
            Assert.NotEqual(first.ServiceId, second.ServiceId);
            Assert.Contains(first.AdminTokenFile, outputs[0], StringComparison.Ordinal);
            Assert.Contains(first.StorageConnectionFile, outputs[0], StringComparison.Ordinal);

            // Azurite refuses its published development account (it no longer exists: 404) and the published key on the
            // cluster's own account (403); the cluster's own account opens it.
            var publishedAccount = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ClusterFolder.PublishedAccountKey};"
                + $"TableEndpoint=http://127.0.0.1:{first.AzuriteTablePort}/devstoreaccount1;";
            var refused = await Assert.ThrowsAsync<RequestFailedException>(async () =>
                await new TableServiceClient(publishedAccount).QueryAsync().AsPages().FirstAsync());
            Assert.Equal(404, refused.Status);
            var publishedKey = first.StorageConnection.Replace(first.ConnectionValue("AccountKey"), ClusterFolder.PublishedAccountKey, StringComparison.Ordinal);
            refused = await Assert.ThrowsAsync<RequestFailedException>(async () =>
                await new TableServiceClient(publishedKey).QueryAsync().AsPages().FirstAsync());
            Assert.Equal(403, refused.Status);
            Assert.NotEmpty((await new TableServiceClient(first.StorageConnection).QueryAsync().AsPages().FirstAsync()).Values);

            // Every socket the two clusters' processes listen on is bound to loopback, their gateways among them.
            var sockets = ListeningSocket.Of(pids);
            output.WriteLine(string.Join('\n', sockets));
            Assert.All(sockets, socket => Assert.True(IPAddress.Loopback.Equals(socket.Address), $"{socket}: not 127.0.0.1"));
            Assert.Superset(
                new HashSet<int>([.. first.Gateways.Concat(second.Gateways).Select(g => g.Port), first.AzuriteBlobPort, second.AzuriteBlobPort]),
                sockets.Select(s => s.Port).ToHashSet());
            Assert.True(sockets.Count >= 12, $"expected Azurite's 3 ports and a silo's HTTP, silo and gateway port per cluster, saw {sockets.Count}");

            // No secret on a command line: every user can read those (ps); the secrets reach Azurite and the silos
            // through their environment, which only their owner can read.
            string[] secrets =
            [
                first.AdminToken, second.AdminToken, first.ConnectionValue("AccountKey"), second.ConnectionValue("AccountKey"),
            ];
            foreach (var pid in pids)
            {
                var commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ');
                Assert.All(secrets, secret => Assert.DoesNotContain(secret, commandLine, StringComparison.Ordinal));
            }

            // Both answer, each through its own gateways under its own name.
            foreach (var cluster in (ClusterFolder[])[first, second])
            {
                await using var client = await KcmClient.ConnectAsync(new KcmClientOptions
                {
                    Gateways = [.. cluster.Gateways],
                    ClusterId = cluster.ClusterId,
                    ServiceId = cluster.ServiceId,
                });
                var answer = await client.ClassifyAsync(ClusterLoad.Model, new float[Kcm.Core.Data.FashionMnist.PixelCount], 1);
                Assert.Single(answer.Labels);
            }

            // A port in use is a clash: named with its holder, and nothing starts.
            var (code, text) = await KcmCli.RunAsync(
                ["cluster", "up", "--folder", third.Folder, "--silos", "1", "--port", $"{first.AzuriteBlobPort}"], CommandTimeout);
            outputs.Add(text);
            Assert.Equal(1, code);
            Assert.Contains($"port {first.AzuriteBlobPort} (Azurite blob) is in use by pid {first.AzuritePid}", text, StringComparison.Ordinal);
            Assert.False(File.Exists(third.StateFile), "a refused 'up' must not record a cluster:\n" + text);
            Assert.False(Directory.Exists(Path.Combine(third.Folder, "azurite")), "a refused 'up' must not start Azurite:\n" + text);

            // A running folder asked for other ports is a clash too.
            (code, text) = await KcmCli.RunAsync(
                ["cluster", "up", "--folder", first.Folder, "--silos", "1", "--port", $"{Kcm.Testing.LoopbackPort.Free()}"], CommandTimeout);
            outputs.Add(text);
            Assert.Equal(1, code);
            Assert.Contains($"The cluster in {first.Folder} already runs", text, StringComparison.Ordinal);
            Assert.Equal(pids, first.Pids.Concat(second.Pids));

            // The secrets only in their own files of mode 0600, in no other file (logs, state, Azurite's data) whatever
            // its mode; checked while the clusters run and again after they stopped.
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(first.StateFile) & GroupOrOthers);
            var (files, othersMayRead) = await CheckFilesAsync([first, second], secrets);
            Assert.True(files > 5, $"only {files} files were checked");

            foreach (var cluster in (ClusterFolder[])[first, second])
            {
                (code, text) = await KcmCli.RunAsync(["cluster", "down", "--folder", cluster.Folder], CommandTimeout);
                outputs.Add(text);
                Assert.True(code == 0, text);
            }

            Assert.All(pids, pid => Assert.False(ProcessState.Runs(pid), $"pid {pid} still runs after 'cluster down'"));
            await CheckFilesAsync([first, second], secrets);

            // Nothing secret in any output, up, refused or down.
            foreach (var printed in outputs)
            {
                Assert.All(secrets, secret => Assert.DoesNotContain(secret, printed, StringComparison.Ordinal));
            }

            output.WriteLine(
                $"cluster up (Azurite + 1 silo, first models trained) {firstUp.TotalSeconds:F1} s, the second beside it {secondUp.TotalSeconds:F1} s; "
                + $"{sockets.Count} listening sockets, all on 127.0.0.1; {files} files checked for secrets ({othersMayRead} readable by group or others)");
        }
        finally
        {
            foreach (var cluster in (ClusterFolder[])[first, second, third])
            {
                await KcmCli.RunAsync(["cluster", "down", "--folder", cluster.Folder, "--grace", "5"], CommandTimeout);
                Directory.Delete(cluster.Folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task TlsCluster_AdmitsOnlyClientsWithItsCertificate_AndKeepsTheKeyPrivate()
    {
        var cluster = new ClusterFolder(Directory.CreateTempSubdirectory("kcm-secrets-tls-").FullName);
        var outputs = new List<string>();
        try
        {
            outputs.Add(await UpAsync(cluster, "--tls"));
            Assert.True(cluster.Tls, "the state file does not record TLS");
            var certificate = Path.Combine(cluster.TlsFolder, "tls.crt");
            var key = Path.Combine(cluster.TlsFolder, "tls.key");
            var authority = Path.Combine(cluster.TlsFolder, "ca.crt");
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(cluster.TlsFolder) & GroupOrOthers);
            Assert.All([certificate, key, authority], file => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file)));
            Assert.Contains(key, outputs[0], StringComparison.Ordinal);

            // A client with the cluster's certificate classifies.
            var sample = new float[Kcm.Core.Data.FashionMnist.PixelCount];
            await using (var client = await KcmClient.ConnectAsync(Options(cluster).UseTlsFiles(certificate, key, authority)))
            {
                Assert.Single((await client.ClassifyAsync(ClusterLoad.Model, sample, 1)).Labels);
            }

            // A client without a certificate cannot call a grain: refused with a typed exception, not a hang.
            var plain = Options(cluster);
            plain.MaxAttempts = 1;
            plain.ConnectTimeout = TimeSpan.FromSeconds(5);
            var clock = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAnyAsync<KcmException>(async () =>
            {
                await using var client = await KcmClient.ConnectAsync(plain).WaitAsync(TimeSpan.FromSeconds(30));
                await client.ClassifyAsync(ClusterLoad.Model, sample, 1).WaitAsync(TimeSpan.FromSeconds(30));
            });
            output.WriteLine($"a client without the certificate: {refused.GetType().Name} after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.IsType<KcmUnavailableException>(refused);

            // A second 'up' without --tls keeps the running cluster's TLS; '--tls' was not needed to say so.
            outputs.Add(await UpAsync(cluster));
            Assert.True(cluster.Tls, "a second 'up' dropped TLS");
            Assert.Contains("mutual TLS", outputs[1], StringComparison.Ordinal);

            // The private key is in its own file only: in no output, log or other file of the folder.
            var keyText = (await File.ReadAllTextAsync(key)).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
            var (code, text) = await KcmCli.RunAsync(["cluster", "down", "--folder", cluster.Folder], CommandTimeout);
            outputs.Add(text);
            Assert.True(code == 0, text);
            Assert.All(outputs, printed => Assert.DoesNotContain("PRIVATE KEY", printed, StringComparison.Ordinal));
            foreach (var file in Directory.EnumerateFiles(cluster.Folder, "*", SearchOption.AllDirectories).Where(f => f != key))
            {
                var content = Encoding.UTF8.GetString(await ReadSharedAsync(file));
                Assert.False(content.Contains(keyText, StringComparison.Ordinal), $"{file} holds the private key");
            }
        }
        finally
        {
            await KcmCli.RunAsync(["cluster", "down", "--folder", cluster.Folder, "--grace", "5"], CommandTimeout);
            Directory.Delete(cluster.Folder, recursive: true);
        }
    }

    private static KcmClientOptions Options(ClusterFolder cluster) =>
        new() { Gateways = [.. cluster.Gateways], ClusterId = cluster.ClusterId, ServiceId = cluster.ServiceId };

    /// <summary>
    /// Asserts the secret files have mode 0600 and no other file under the folders holds a secret; returns how many files
    /// were read and how many of them group or others may read.
    /// </summary>
    private static async Task<(int Files, int OthersMayRead)> CheckFilesAsync(IEnumerable<ClusterFolder> clusters, IReadOnlyList<string> secrets)
    {
        var files = 0;
        var othersMayRead = 0;
        foreach (var cluster in clusters)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.AdminTokenFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.StorageConnectionFile));
            foreach (var file in Directory.EnumerateFiles(cluster.Folder, "*", SearchOption.AllDirectories))
            {
                if (file == cluster.AdminTokenFile || file == cluster.StorageConnectionFile)
                {
                    continue;
                }

                files++;
                othersMayRead += (File.GetUnixFileMode(file) & GroupOrOthers) != 0 ? 1 : 0;
                var content = Encoding.UTF8.GetString(await ReadSharedAsync(file));
                Assert.All(secrets, secret => Assert.False(content.Contains(secret, StringComparison.Ordinal), $"{file} holds a secret"));
            }
        }

        return (files, othersMayRead);
    }

    private static async Task<string> UpAsync(ClusterFolder cluster, params string[] options)
    {
        var (code, text) = await KcmCli.RunAsync(
            ["cluster", "up", "--folder", cluster.Folder, "--silos", "1", "--ready-timeout", "120", .. options, .. ProcessClusterFixture.SiloArguments], CommandTimeout);
        Assert.True(code == 0, $"cluster up failed ({code}):\n{text}");
        return text;
    }

    /// <summary>The first of <paramref name="count"/> consecutive loopback ports that are free now, below the kernel's ephemeral range.</summary>
    private static int FreeBlock(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 30_000);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>The file's bytes, read while Azurite may still be writing it.</summary>
    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }
}
