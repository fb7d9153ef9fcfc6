using Kcm.Contracts;

namespace Kcm.Client;

/// <summary>Settings of <see cref="KcmClient"/>; <see cref="Validate"/> reports every bad field at once.</summary>
public sealed class KcmClientOptions
{
    // Polly's timeout strategy accepts 10 ms .. 1 day.
    private static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaximumTimeout = TimeSpan.FromDays(1);

    /// <summary>The model every call addresses.</summary>
    /// <value>Default <see cref="KcmRoutes.DefaultModel"/> ("fashion-mnist").</value>
    public string Model { get; init; } = KcmRoutes.DefaultModel;

    /// <summary>How inference inputs are encoded.</summary>
    /// <value>Default <see cref="InferEncoding.Binary"/>.</value>
    public InferEncoding Encoding { get; init; } = InferEncoding.Binary;

    /// <summary>Time limit of one HTTP attempt.</summary>
    /// <value>Default 10 s; 10 ms .. 1 day.</value>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit of a whole call, retries and waits included.</summary>
    /// <value>Default 60 s; 10 ms .. 1 day, and at least <see cref="AttemptTimeout"/>.</value>
    public TimeSpan OverallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after the first attempt on 429, 502, 503, 504 and transport failures.</summary>
    /// <value>Default 3; 0 .. 20.</value>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First backoff delay; later ones grow exponentially with jitter. A Retry-After header takes precedence.</summary>
    /// <value>Default 200 ms; 0 .. 1 minute.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait before a retry, whether from backoff or from Retry-After.</summary>
    /// <value>Default 30 s; at least <see cref="BaseDelay"/>, at most 1 day.</value>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest batch <see cref="KcmClient.InferManyAsync(ReadOnlyMemory{float}, int, bool, CancellationToken)"/> sends in one request.</summary>
    /// <value>Default 256; 1 .. 65536.</value>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>How many batches the batching helper keeps in flight at once.</summary>
    /// <value>Default 4; 1 .. 256.</value>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Bearer token for the admin endpoints (threshold, rollback, distill); null sends none.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add($"{nameof(Model)} must not be empty.");
        }

        if (!Enum.IsDefined(Encoding))
        {
            errors.Add($"{nameof(Encoding)} must be Binary or Json.");
        }

        if (AttemptTimeout < MinimumTimeout || AttemptTimeout > MaximumTimeout)
        {
            errors.Add($"{nameof(AttemptTimeout)} must be between 10 ms and 1 day (was {AttemptTimeout}).");
        }

        if (OverallTimeout < MinimumTimeout || OverallTimeout > MaximumTimeout || OverallTimeout < AttemptTimeout)
        {
            errors.Add($"{nameof(OverallTimeout)} must be between 10 ms and 1 day and at least {nameof(AttemptTimeout)} (was {OverallTimeout}).");
        }

        if (MaxRetries is < 0 or > 20)
        {
            errors.Add($"{nameof(MaxRetries)} must be between 0 and 20 (was {MaxRetries}).");
        }

        if (BaseDelay < TimeSpan.Zero || BaseDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{nameof(BaseDelay)} must be between 0 and 1 minute (was {BaseDelay}).");
        }

        if (MaxRetryDelay < BaseDelay || MaxRetryDelay > MaximumTimeout)
        {
            errors.Add($"{nameof(MaxRetryDelay)} must be at least {nameof(BaseDelay)} and at most 1 day (was {MaxRetryDelay}).");
        }

        if (MaxBatchSize is < 1 or > 65536)
        {
            errors.Add($"{nameof(MaxBatchSize)} must be between 1 and 65536 (was {MaxBatchSize}).");
        }

        if (MaxConcurrency is < 1 or > 256)
        {
            errors.Add($"{nameof(MaxConcurrency)} must be between 1 and 256 (was {MaxConcurrency}).");
        }

        if (AdminToken is not null && (AdminToken.Length == 0 || AdminToken.Any(char.IsWhiteSpace)))
        {
            errors.Add($"{nameof(AdminToken)} must be null or a non-empty token without white space.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid KcmClientOptions: " + string.Join(" ", errors));
        }
    }
}
