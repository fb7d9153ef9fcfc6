using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Kcm.Client;

/// <summary>
/// Builds the client's resilience pipeline: overall timeout, then retries (exponential backoff with jitter,
/// or the server's Retry-After), then a per-attempt timeout.
/// </summary>
internal static class RetryPipelines
{
    /// <param name="options">Validated client options.</param>
    /// <param name="retryTransportFailures">
    /// Whether transport failures and attempt timeouts are retried. Only for idempotent calls: after such a
    /// failure the server may have acted, whereas 429/503 mean it did not.
    /// </param>
    public static ResiliencePipeline<HttpResponseMessage> Create(KcmClientOptions options, bool retryTransportFailures)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(options.OverallTimeout);
        if (options.MaxRetries > 0)
        {
            var maxDelay = options.MaxRetryDelay;
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                ShouldHandle = arguments => ValueTask.FromResult(ShouldRetry(arguments.Outcome, retryTransportFailures)),
                DelayGenerator = arguments =>
                {
                    // The server knows best when it will have room again; null falls back to the backoff.
                    var wait = RetryAfter.Of(arguments.Outcome.Result, TimeProvider.System);
                    return ValueTask.FromResult<TimeSpan?>(wait is { } w && w > maxDelay ? maxDelay : wait);
                },
            });
        }

        return builder.AddTimeout(options.AttemptTimeout).Build();
    }

    /// <summary>429 and 503: the server turned the request away unprocessed. 502 and 504 come from a proxy and may hide a processed request.</summary>
    internal static bool IsRetriableStatus(HttpStatusCode status, bool retryTransportFailures) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable
        || (retryTransportFailures && status is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout);

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, bool retryTransportFailures) => outcome switch
    {
        { Result: { } response } => IsRetriableStatus(response.StatusCode, retryTransportFailures),
        { Exception: HttpRequestException or TimeoutRejectedException } => retryTransportFailures,
        _ => false,
    };
}
