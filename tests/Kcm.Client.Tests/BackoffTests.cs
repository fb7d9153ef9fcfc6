namespace Kcm.Client.Tests;

/// <summary>The waits between tries: doubling from RetryDelay within +-20 %, never near zero.</summary>
public sealed class BackoffTests
{
    [Theory]
    [InlineData(0, 0.8, 1.2)]
    [InlineData(1, 1.6, 2.4)]
    public void TheDefaultWaits_LieWithinTwentyPercentOfTheirDoubling(int attempt, double least, double most)
    {
        var scale = new KcmClientOptions().RetryDelay;

        Assert.Equal(least, IdempotentCallPipeline.Backoff(scale, attempt, 0).TotalSeconds, 6);
        Assert.Equal(most, IdempotentCallPipeline.Backoff(scale, attempt, 1).TotalSeconds, 6);
        Assert.InRange(IdempotentCallPipeline.Backoff(scale, attempt, 0.5).TotalSeconds, least, most);
    }

    [Fact]
    public void TheThirdTry_ComesAfterAKilledSiloIsDeclaredDead()
    {
        var scale = new KcmClientOptions().RetryDelay;

        // The shortest wait for the third try, against the slowest death declaration measured on loopback (1.3 s).
        var earliestThirdTry = IdempotentCallPipeline.Backoff(scale, 0, 0) + IdempotentCallPipeline.Backoff(scale, 1, 0);

        Assert.True(earliestThirdTry > TimeSpan.FromSeconds(1.3), $"the third try may come {earliestThirdTry} after the first failure");
    }
}
