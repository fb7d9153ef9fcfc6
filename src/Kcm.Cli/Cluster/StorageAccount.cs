using System.Security.Cryptography;

namespace Kcm.Cli.Cluster;

/// <summary>
/// The storage account a local cluster's Azurite serves: a random name and a random 64-byte key (base64, as Azure's keys
/// are), given to Azurite through <c>AZURITE_ACCOUNTS</c> so Azurite's published development key opens nothing. A class,
/// not a record: a record's generated <c>ToString</c> would print the key wherever the object is logged.
/// </summary>
internal sealed class StorageAccount
{
    /// <summary>The environment variable Azurite reads its accounts from (<c>name:key[;name2:key2]</c>).</summary>
    public const string AzuriteAccountsVariable = "AZURITE_ACCOUNTS";

    /// <summary>Azurite's published development account, disabled whenever <c>AZURITE_ACCOUNTS</c> is set.</summary>
    public const string PublishedAccountName = "devstoreaccount1";

    private StorageAccount(string name, string key)
    {
        Name = name;
        Key = key;
    }

    /// <summary>The account name (3-24 lower-case letters and digits, as Azure requires).</summary>
    public string Name { get; }

    /// <summary>The account key, base64: a secret.</summary>
    public string Key { get; }

    /// <summary>The value of <see cref="AzuriteAccountsVariable"/> that makes this the emulator's only account.</summary>
    public string AzuriteAccounts => $"{Name}:{Key}";

    /// <summary>A new account: <c>kcm</c> and 16 random hex digits, a random 64-byte key.</summary>
    public static StorageAccount CreateRandom() =>
        new("kcm" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));

    /// <summary>The account a connection string names; null when it names no account name and key.</summary>
    public static StorageAccount? FromConnectionString(string connectionString)
    {
        string? name = null;
        string? key = null;
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Split at the first '=' only: a base64 key ends in '='.
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "AccountName":
                    name = value;
                    break;
                case "AccountKey":
                    key = value;
                    break;
            }
        }

        return name is { Length: > 0 } && key is { Length: > 0 } ? new StorageAccount(name, key) : null;
    }

    /// <summary>The connection string for this account on <paramref name="azurite"/>'s loopback ports (path-style endpoints, as the emulator serves them).</summary>
    public string ConnectionString(AzuriteEntry azurite) =>
        $"DefaultEndpointsProtocol=http;AccountName={Name};AccountKey={Key};"
        + $"BlobEndpoint=http://127.0.0.1:{azurite.BlobPort}/{Name};QueueEndpoint=http://127.0.0.1:{azurite.QueuePort}/{Name};"
        + $"TableEndpoint=http://127.0.0.1:{azurite.TablePort}/{Name};";

    /// <summary>The name only: the key never reaches a log through this object.</summary>
    public override string ToString() => $"storage account {Name}";
}
