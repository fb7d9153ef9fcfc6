using Polly;
using Polly.Retry;

namespace Kcm.Client;

/// <summary>
/// The resilience pipeline of idempotent calls (classify, reads): a time budget over every try, inside it retries on
/// <see cref="TransientFailures"/> only, after <see cref="Backoff"/>. Each try is bounded by Orleans' response timeout.
/// </summary>
internal static class IdempotentCallPipeline
{
    public static ResiliencePipeline Create(KcmClientOptions options, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddTimeout(options.RetryBudget);
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                Delay = options.RetryDelay,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(TransientFailures.IsTransient),
                DelayGenerator = arguments => new ValueTask<TimeSpan?>(Backoff(options.RetryDelay, arguments.AttemptNumber, Random.Shared.NextDouble())),
            });
        }

        return builder.Build();
    }

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (0 for the first): <paramref name="scale"/> doubled per retry, within
    /// +-20 % (<paramref name="random"/> in [0, 1)). Never near zero, unlike decorrelated jitter: the usual transient failure
    /// here is a silo that just died, whose old address keeps answering "unable to connect" until the cluster declares it
    /// dead (0.6-1.3 s measured on loopback); a quick second and third try would both meet it.
    /// </summary>
    public static TimeSpan Backoff(TimeSpan scale, int attempt, double random) =>
        scale * (Math.Pow(2, attempt) * (0.8 + (0.4 * random)));
}
