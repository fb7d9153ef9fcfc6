using Kcm.Grains.Distillation;
using Kcm.Grains.Ensemble;
using Kcm.Grains.Large;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The silo's settings, bound from the configuration section <see cref="SectionName"/> (appsettings.json, environment
/// variables such as <c>Kcm__AdminToken</c>, command line such as <c>--Kcm:AdminToken=...</c>). Validated at start.
/// </summary>
public sealed class KcmSiloOptions
{
    public const string SectionName = "Kcm";

    /// <summary>The model name served under <c>/v1/models/{model}</c>.</summary>
    /// <value>Default "fashion-mnist".</value>
    public string ModelName { get; set; } = Contracts.KcmRoutes.DefaultModel;

    /// <summary>Bearer token of the admin endpoints; when unset the admin API answers 403 (it is never open).</summary>
    public string? AdminToken { get; set; }

    /// <summary>Folder of the local model store (relative paths are under <c>KCM_HOME</c>, else the working folder).</summary>
    /// <value>Default ".kcm/store".</value>
    public string StorePath { get; set; } = ".kcm/store";

    /// <summary>Small model versions kept for rollback.</summary>
    /// <value>Default 5; 1 to 1000.</value>
    public int KeepVersions { get; set; } = 5;

    /// <summary>The judge threshold epsilon used until one is set through the admin API.</summary>
    /// <value>Default 0.98; strictly between 0 and 1.</value>
    public double DefaultThreshold { get; set; } = 0.98;

    /// <summary>Most samples accepted in one infer request.</summary>
    /// <value>Default 256; 1 to 65,536.</value>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Largest request body accepted, in bytes; a larger one is answered 413 <c>body_too_large</c>.</summary>
    /// <value>Default 30,000,000 (JSON rows of a full 256 x 784 batch take about 5 MB); 1,024 to 1,073,741,824.</value>
    public long MaxRequestBodyBytes { get; set; } = 30_000_000;

    /// <summary>Deadline of an infer request inside the silo, in milliseconds.</summary>
    /// <value>Default 5000; 1 to 600,000.</value>
    public int RequestTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>Seconds over which the large model's share is reported.</summary>
    /// <value>Default 60; 1 to 3600.</value>
    public int RoutingWindowSeconds { get; set; } = 60;

    /// <summary>Teacher records held for the distiller at most (waiting plus being distilled).</summary>
    /// <value>Default 20,000; 1 to 10,000,000.</value>
    public int TeacherQueueCapacity { get; set; } = 20_000;

    /// <summary>Seconds a client is told to wait in <c>Retry-After</c> when refused for overload.</summary>
    /// <value>Default 1; 1 to 3600.</value>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>This silo's roles, comma-separated: any of <c>front</c>, <c>large</c>, <c>distiller</c>.</summary>
    /// <value>Default "front,large,distiller" (the embedded mode).</value>
    public string Roles { get; set; } = SiloRoleNames.All;

    /// <summary>This node's name in the cluster (queue names, logs, <c>kcm_node_info</c>); letters, digits, '-', '_' and '.'.</summary>
    /// <value>Default: the host name.</value>
    public string? NodeId { get; set; }

    /// <summary>The broker of the cluster mode; unset means embedded.</summary>
    public RabbitMqSettings RabbitMq { get; set; } = new();

    /// <summary>The parsed <see cref="Roles"/> (valid after <see cref="Validate"/>).</summary>
    public SiloRoles ParsedRoles => SiloRoleNames.TryParse(Roles, out var roles, out _) ? roles : SiloRoles.None;

    /// <summary><see cref="NodeId"/>, or the host name when unset.</summary>
    public string EffectiveNodeId => string.IsNullOrWhiteSpace(NodeId) ? Environment.MachineName : NodeId;

    /// <summary>The large model pool's dynamic batcher.</summary>
    public LargeModelPoolOptions LargePool { get; set; } = new();

    /// <summary>When distillation rounds run.</summary>
    public DistillationScheduleOptions Distillation { get; set; } = new();

    /// <summary>The ensemble served for generation (none unless its manifest is set).</summary>
    public EnsembleOptions Ensemble { get; set; } = new();

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

        if (string.IsNullOrWhiteSpace(StorePath))
        {
            problems.Add($"{SectionName}:{nameof(StorePath)} must not be empty.");
        }

        Check(KeepVersions is >= 1 and <= 1000, nameof(KeepVersions), "1 to 1000", KeepVersions);
        Check(DefaultThreshold is > 0 and < 1, nameof(DefaultThreshold), "strictly between 0 and 1", DefaultThreshold);
        Check(MaxBatchSize is >= 1 and <= 65_536, nameof(MaxBatchSize), "1 to 65536", MaxBatchSize);
        Check(MaxRequestBodyBytes is >= 1024 and <= 1L << 30, nameof(MaxRequestBodyBytes), "1024 to 1073741824", MaxRequestBodyBytes);
        Check(RequestTimeoutMilliseconds is >= 1 and <= 600_000, nameof(RequestTimeoutMilliseconds), "1 to 600000", RequestTimeoutMilliseconds);
        Check(RoutingWindowSeconds is >= 1 and <= 3600, nameof(RoutingWindowSeconds), "1 to 3600", RoutingWindowSeconds);
        Check(TeacherQueueCapacity is >= 1 and <= 10_000_000, nameof(TeacherQueueCapacity), "1 to 10000000", TeacherQueueCapacity);
        Check(RetryAfterSeconds is >= 1 and <= 3600, nameof(RetryAfterSeconds), "1 to 3600", RetryAfterSeconds);
        problems.AddRange(ClusterProblems());
        problems.AddRange(LargePool.Problems($"{SectionName}:{nameof(LargePool)}:"));
        problems.AddRange(Distillation.Problems($"{SectionName}:{nameof(Distillation)}:"));
        problems.AddRange(Ensemble.Problems($"{SectionName}:{nameof(Ensemble)}:"));
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

    private IEnumerable<string> ClusterProblems()
    {
        if (!SiloRoleNames.TryParse(Roles, out var roles, out var unknown))
        {
            yield return $"{SectionName}:{nameof(Roles)} must list one or more of front, large, distiller (was '{Roles}'{(unknown is null ? string.Empty : $"; '{unknown}' is not a role")}).";
        }

        var node = EffectiveNodeId;
        if (node.Length is 0 or > 64 || node.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            yield return $"{SectionName}:{nameof(NodeId)} must be 1 to 64 letters, digits, '-', '_' or '.' (was '{node}').";
        }

        if (RabbitMq.Uri is { } uri)
        {
            if (!System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("amqp" or "amqps"))
            {
                yield return $"{SectionName}:{nameof(RabbitMq)}:Uri must be an absolute amqp:// or amqps:// URI.";
            }
        }
        else if (roles != SiloRoles.None && roles != SiloRoles.All)
        {
            yield return $"{SectionName}:{nameof(RabbitMq)}:Uri is required when {SectionName}:{nameof(Roles)} is not all of front,large,distiller (was '{Roles}').";
        }
    }
}
