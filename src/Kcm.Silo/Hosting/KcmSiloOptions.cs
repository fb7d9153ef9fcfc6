using Kcm.Placement;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The host's own settings, bound from the configuration section <see cref="SectionName"/> (appsettings.json, environment
/// variables such as <c>Kcm__AdminToken</c>, command line such as <c>--Kcm:AdminToken=...</c>). The grains read their
/// settings from the same section; this class holds only what the host and its HTTP API use. Validated at start.
/// </summary>
public sealed class KcmSiloOptions
{
    public const string SectionName = "Kcm";

    /// <summary>The model name served under <c>/v1/models/{model}</c> (the key of its grains).</summary>
    /// <value>Default "fashion-mnist".</value>
    public string ModelName { get; set; } = Contracts.KcmRoutes.DefaultModel;

    /// <summary>Bearer token of the admin endpoints; when unset the admin API answers 403 (it is never open).</summary>
    public string? AdminToken { get; set; }

    /// <summary>Most samples accepted in one infer request.</summary>
    /// <value>Default 256; 1 to 65,536.</value>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Largest request body accepted, in bytes; a larger one is answered 413 <c>body_too_large</c>.</summary>
    /// <value>Default 30,000,000 (JSON rows of a full 256 x 784 batch take about 5 MB); 1,024 to 1,073,741,824.</value>
    public long MaxRequestBodyBytes { get; set; } = 30_000_000;

    /// <summary>Seconds a client is told to wait in <c>Retry-After</c> when refused for overload or readiness.</summary>
    /// <value>Default 1; 1 to 3600.</value>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>This silo's roles, comma-separated: any of <c>gpu</c>, <c>cpu</c>, <c>distiller</c> (silo metadata for placement).</summary>
    /// <value>Default "gpu,cpu,distiller" (the embedded mode: one silo does everything).</value>
    public string Roles { get; set; } = string.Join(',', SiloRoles.All);

    /// <summary>
    /// Seconds a stop waits for in-flight HTTP requests (and then the silo's own shutdown) before cutting them off.
    /// </summary>
    /// <value>Default 30; 1 to 3600.</value>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>The Orleans silo: address, ports, cluster identity, membership timings, dashboard.</summary>
    public OrleansHostOptions Orleans { get; set; } = new();

    /// <summary>The cluster's storage account (<c>Kcm:AzureStorage:ConnectionString</c>); unset, the silo is the embedded default.</summary>
    public ClusterStorageOptions AzureStorage { get; set; } = new();

    /// <summary>The parsed <see cref="Roles"/> in canonical order (valid after <see cref="Validate"/>).</summary>
    public IReadOnlyList<string> ParsedRoles => SiloRoles.Parse(Roles);

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelName))
        {
            problems.Add($"{SectionName}:{nameof(ModelName)} must not be empty.");
        }

        if (AdminToken is not null && AdminToken.Length < 8)
        {
            problems.Add($"{SectionName}:{nameof(AdminToken)} must be at least 8 characters when set.");
        }

        try
        {
            _ = SiloRoles.Parse(Roles);
        }
        catch (ArgumentException e)
        {
            problems.Add($"{SectionName}:{nameof(Roles)}: {e.Message.Split(" (Parameter", 2)[0]}");
        }

        Check(MaxBatchSize is >= 1 and <= 65_536, nameof(MaxBatchSize), "1 to 65536", MaxBatchSize);
        Check(MaxRequestBodyBytes is >= 1024 and <= 1L << 30, nameof(MaxRequestBodyBytes), "1024 to 1073741824", MaxRequestBodyBytes);
        Check(RetryAfterSeconds is >= 1 and <= 3600, nameof(RetryAfterSeconds), "1 to 3600", RetryAfterSeconds);
        Check(ShutdownTimeoutSeconds is >= 1 and <= 3600, nameof(ShutdownTimeoutSeconds), "1 to 3600", ShutdownTimeoutSeconds);
        problems.AddRange(Orleans.Problems($"{SectionName}:{nameof(Orleans)}:"));
        problems.AddRange(AzureStorage.Problems($"{SectionName}:{nameof(AzureStorage)}:"));
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid silo configuration: " + string.Join(" ", problems));
        }

        void Check(bool valid, string field, string range, object value)
        {
            if (!valid)
            {
                problems.Add($"{SectionName}:{field} must be {range} (was {value}).");
            }
        }
    }
}
