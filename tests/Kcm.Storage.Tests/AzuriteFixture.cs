using Kcm.Testing;

namespace Kcm.Storage.Tests;

/// <summary>One Azurite for the whole test collection; every test uses its own service id, so tests share no rows.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _azurite;

    /// <summary>The running emulator (started before the first test).</summary>
    public AzuriteServer Azurite => _azurite ?? throw new InvalidOperationException("The Azurite fixture has not started.");

    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>A service (and cluster) id no other test uses; letters, digits and dashes, as table keys allow.</summary>
    public static string NewServiceId(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..Math.Min(purpose.Length + 13, 60)];
}
