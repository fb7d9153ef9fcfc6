using System.Text.RegularExpressions;
using Kcm.Cli.Cluster;

namespace Kcm.Cli.Tests;

/// <summary>
/// The pieces of <c>kcm cluster up</c> that keep a local cluster's secrets and keep clusters apart, without processes:
/// the random storage account, the 0600 files, the per-folder name and the port blocks.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ClusterFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kcm-cluster-files-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ARandomAccount_HasAnAzureName_A64ByteKey_AndNeverPrintsTheKey()
    {
        var account = StorageAccount.CreateRandom();
        var other = StorageAccount.CreateRandom();

        Assert.Matches(AzureAccountName(), account.Name);
        Assert.Equal(64, Convert.FromBase64String(account.Key).Length);
        Assert.NotEqual(account.Key, other.Key);
        Assert.NotEqual(account.Name, other.Name);
        Assert.Equal($"{account.Name}:{account.Key}", account.AzuriteAccounts);
        Assert.DoesNotContain(account.Key, account.ToString(), StringComparison.Ordinal);

        var connection = account.ConnectionString(new AzuriteEntry(1, 10_000, 10_001, 10_002, "/tmp/x"));
        Assert.Contains($"TableEndpoint=http://127.0.0.1:10002/{account.Name};", connection, StringComparison.Ordinal);
        var parsed = StorageAccount.FromConnectionString(connection);
        Assert.NotNull(parsed);
        Assert.Equal((account.Name, account.Key), (parsed.Name, parsed.Key));
        Assert.Null(StorageAccount.FromConnectionString("UseDevelopmentStorage=true"));
    }

    [Fact]
    public void APrivateFile_Is0600_EvenWhereAWiderFileWas_AndTheStateFileHoldsNoSecret()
    {
        var path = Path.Combine(_folder, "admin-token");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        PrivateFile.Write(path, "new-token");

        Assert.Equal("new-token", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(File.Exists(path + ".tmp"));

        var layout = new ClusterLayout(Path.Combine(_folder, "cluster"));
        var account = StorageAccount.CreateRandom();
        var state = new ClusterState(new AzuriteEntry(1, 2, 3, 4, layout.AzuriteData), "a-secret-admin-token", layout.Name, layout.Name, [])
        {
            Account = account,
        };
        state.Save(layout);
        var text = File.ReadAllText(layout.StateFile);
        Assert.DoesNotContain("a-secret-admin-token", text, StringComparison.Ordinal);
        Assert.DoesNotContain(account.Key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("a-secret-admin-token", state.ToString(), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(layout.StateFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(layout.Folder));

        // Loaded back, the secrets come from their own files.
        PrivateFile.Write(layout.AdminTokenFile, "a-secret-admin-token");
        PrivateFile.Write(layout.StorageConnectionFile, state.StorageConnection);
        var loaded = ClusterState.Load(layout)!;
        Assert.Equal("a-secret-admin-token", loaded.AdminToken);
        Assert.Equal(account.Key, loaded.Account!.Key);
        Assert.Equal(state.StorageConnection, loaded.StorageConnection);
    }

    [Fact]
    public void EveryFolder_HasItsOwnStableName()
    {
        var first = new ClusterLayout(Path.Combine(_folder, "a", "cluster"));
        var second = new ClusterLayout(Path.Combine(_folder, "b", "cluster"));

        Assert.Equal(first.Name, new ClusterLayout(Path.Combine(_folder, "a", "cluster")).Name);
        Assert.NotEqual(first.Name, second.Name);
        Assert.StartsWith("kcm-cluster-", first.Name, StringComparison.Ordinal);
        Assert.Matches("^kcm[a-z0-9-]+$", new ClusterLayout(Path.Combine(_folder, "My Cluster#1")).Name);
    }

    [Fact]
    public void APortBlock_GivesEverySiloItsOwnPorts_ThatStayPutWhenTheClusterGrows()
    {
        var block = new PortBlock(40_000);
        var ports = new Dictionary<string, int[]>();
        for (var silos = 1; silos <= ClusterPlan.MaxSilos; silos++)
        {
            var used = new List<int> { block.AzuriteBlob, block.AzuriteQueue, block.AzuriteTable };
            foreach (var planned in ClusterPlan.For(silos))
            {
                int[] own = [block.Http(planned.Slot), block.Silo(planned.Slot), block.Gateway(planned.Slot)];
                used.AddRange(own);
                Assert.Equal(ports.GetValueOrDefault(planned.NodeId, own), own);
                ports[planned.NodeId] = own;
            }

            Assert.Equal(used.Count, used.Distinct().Count());
            Assert.Equal(used.Max(), block.Last(silos));
        }

        Assert.Equal(40_014, block.Last(4));
        Assert.True(new PortBlock(PortBlock.HighestFirst).Last(ClusterPlan.MaxSilos) <= 65_535);
    }

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AzureAccountName();
}
