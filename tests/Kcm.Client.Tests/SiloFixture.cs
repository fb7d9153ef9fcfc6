using Kcm.Client.Tests.Fakes;

namespace Kcm.Client.Tests;

/// <summary>One silo and one connected client with default options, shared by the tests of <see cref="SiloCollection"/>.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public TestSilo Silo { get; private set; } = null!;

    public KcmClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await TestSilo.StartAsync();
        Client = await KcmClient.ConnectAsync(Silo.Options());
    }

    public async Task DisposeAsync()
    {
        GrainScripts.ReleaseAll();
        await Client.DisposeAsync();
        await Silo.DisposeAsync();
    }
}
