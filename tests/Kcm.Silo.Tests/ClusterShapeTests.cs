using Kcm.Grains.Distillation;
using Kcm.Models.Storage;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Kcm.Silo.Tests;

/// <summary>The host's cluster shape comes from configuration alone: the storage connection string decides it.</summary>
public sealed class ClusterShapeTests
{
    private const string Azurite =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        + "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:2/devstoreaccount1;TableEndpoint=http://127.0.0.1:3/devstoreaccount1;";

    [Fact]
    public async Task WithoutAConnectionString_TheEmbeddedSiloHasInMemoryRemindersAndTheLocalQueueAndStore()
    {
        await using var host = Build();

        Assert.DoesNotContain("Azure", TypeName<IReminderTable>(host), StringComparison.Ordinal);
        Assert.IsType<InProcessTeacherQueue>(host.Services.GetRequiredService<ITeacherQueue>());
        Assert.IsType<LocalDirectoryModelStore>(host.Services.GetRequiredService<IModelStore>());
        AssertCommonSettings(host);
    }

    [Fact]
    public async Task WithAConnectionString_TheSiloUsesAzureTablesAndTheAzureQueueAndBlobs()
    {
        await using var host = Build("--Kcm:AzureStorage:ConnectionString=" + Azurite);

        Assert.Contains("Azure", TypeName<IReminderTable>(host), StringComparison.Ordinal);
        Assert.Contains("Azure", TypeName<IMembershipTable>(host), StringComparison.Ordinal);
        Assert.Equal("AzureTeacherQueue", host.Services.GetRequiredService<ITeacherQueue>().GetType().Name);
        Assert.Equal("BlobModelStore", host.Services.GetRequiredService<IModelStore>().GetType().Name);
        AssertCommonSettings(host);
    }

    [Theory]
    [InlineData("--Kcm:Orleans:Address=0.0.0.0", "Kcm:Orleans:Address must be an IP address other silos can reach")]
    [InlineData("--Kcm:Orleans:Address=silo-1.local", "Kcm:Orleans:Address must be an IP address")]
    [InlineData("--Kcm:Orleans:Membership:ProbeTimeoutMilliseconds=50", "Kcm:Orleans:Membership:ProbeTimeoutMilliseconds must be 100 to 60000 (was 50)")]
    [InlineData("--Kcm:Orleans:Membership:VotesForDeathDeclaration=0", "Kcm:Orleans:Membership:VotesForDeathDeclaration must be 1 to 10 (was 0)")]
    [InlineData("--Kcm:Orleans:MinimumReminderPeriodSeconds=0", "Kcm:Orleans:MinimumReminderPeriodSeconds must be 0.1 to 3600 (was 0)")]
    [InlineData("--Kcm:AzureStorage:ConnectionString= ", "Kcm:AzureStorage:ConnectionString must not be blank when set")]
    public void AnInvalidClusterSetting_IsRefusedByName(string setting, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Build(setting));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static SiloHost Build(params string[] settings) =>
        SiloHost.Create(["--urls=http://127.0.0.1:0", "--Kcm:Orleans:SiloPort=0", "--Kcm:Orleans:GatewayPort=0", "--Kcm:Orleans:Membership:MissedProbesLimit=3", .. settings]);

    private static string TypeName<T>(SiloHost host)
        where T : class => host.Services.GetRequiredService<T>().GetType().FullName!;

    /// <summary>Both shapes take the reminder minimum and membership timings from configuration.</summary>
    private static void AssertCommonSettings(SiloHost host)
    {
        Assert.Equal(TimeSpan.FromSeconds(1), host.Services.GetRequiredService<IOptions<ReminderOptions>>().Value.MinimumReminderPeriod);
        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(1), membership.ProbeTimeout);
        Assert.Equal(3, membership.NumMissedProbesLimit);
        Assert.Equal(2, membership.NumVotesForDeathDeclaration);
    }
}
