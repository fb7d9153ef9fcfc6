namespace Kcm.Client;

/// <summary>Reads a response's Retry-After (seconds or HTTP date) as a non-negative delay.</summary>
internal static class RetryAfter
{
    public static TimeSpan? Of(HttpResponseMessage? response, TimeProvider timeProvider)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
