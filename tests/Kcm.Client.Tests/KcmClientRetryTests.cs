using System.Diagnostics;
using System.Net;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

public sealed class KcmClientRetryTests
{
    private static readonly float[] OneSample = [1f, 2f];

    [Fact]
    public async Task InferAsync_429WithRetryAfter_WaitsThatLongThenSucceeds()
    {
        var handler = FakeHandler.Answering((_, index) =>
            index == 0 ? Responses.Problem(HttpStatusCode.TooManyRequests, ProblemCodes.Overloaded, true, retryAfterSeconds: 1) : Responses.Infer(1, _ => 5));
        using var client = handler.Client();

        var stopwatch = Stopwatch.StartNew();
        var response = await client.InferAsync(OneSample, batchSize: 1);

        // Base delay is 1 ms, so a wait near one second can only come from Retry-After.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(900), $"waited only {stopwatch.Elapsed}");
        Assert.Equal(5, response.Results[0].Label);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task InferAsync_503ThenSuccess_RetriesAndSendsTheSameBodyAgain()
    {
        var handler = FakeHandler.Answering((_, index) =>
            index < 2 ? Responses.Problem(HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady, true) : Responses.Infer(1, _ => 1));
        using var client = handler.Client();

        await client.InferAsync(OneSample, batchSize: 1);

        Assert.Equal(3, handler.Count);
        var bodies = handler.Requests.Select(r => Convert.ToHexString(r.Body)).Distinct();
        Assert.Single(bodies);
    }

    [Fact]
    public async Task InferAsync_400Problem_ThrowsTypedProblemWithoutRetrying()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.BadRequest, ProblemCodes.WrongFeatureCount, false));
        using var client = handler.Client();

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.Equal(1, handler.Count);
        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal(ProblemCodes.WrongFeatureCount, problem.Code);
        Assert.Equal("Problem wrong_feature_count", problem.Title);
        Assert.Equal("detail of wrong_feature_count", problem.Detail);
        Assert.False(problem.Retriable);
        Assert.Null(problem.RetryAfter);
    }

    [Fact]
    public async Task InferAsync_Always503_GivesUpAfterMaxRetriesWithTheLastProblem()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.ServiceUnavailable, ProblemCodes.DeadlineExceeded, true, retryAfterSeconds: 0));
        using var client = handler.Client(FakeHandler.FastOptions(maxRetries: 2));

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.Equal(3, handler.Count);
        Assert.Equal(ProblemCodes.DeadlineExceeded, problem.Code);
        Assert.True(problem.Retriable);
        Assert.Equal(TimeSpan.Zero, problem.RetryAfter);
    }

    [Fact]
    public async Task InferAsync_ErrorWithoutProblemBody_GetsACodeFromTheStatus()
    {
        var handler = FakeHandler.Answering((_, _) => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("<html>no</html>") });
        using var client = handler.Client();

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.Equal(1, handler.Count);
        Assert.Equal(ProblemCodes.Unauthorized, problem.Code);
        Assert.Equal(401, problem.Problem.Status);
        Assert.False(problem.Retriable);
    }

    [Fact]
    public async Task InferAsync_TransportFailures_RetriesThenThrowsTransportException()
    {
        var handler = new FakeHandler((_, _, _) => throw new HttpRequestException("connection refused"));
        using var client = handler.Client(FakeHandler.FastOptions(maxRetries: 2));

        var error = await Assert.ThrowsAsync<KcmTransportException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.Equal(3, handler.Count);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task InferAsync_TransportFailureThenSuccess_Succeeds()
    {
        var handler = new FakeHandler((_, index, _) =>
            index == 0 ? throw new HttpRequestException("reset") : Task.FromResult(Responses.Infer(1, _ => 2)));
        using var client = handler.Client();

        var response = await client.InferAsync(OneSample, batchSize: 1);

        Assert.Equal(2, response.Results[0].Label);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task DistillAsync_TransportFailure_IsNotResent()
    {
        var handler = new FakeHandler((_, _, _) => throw new HttpRequestException("reset"));
        using var client = handler.Client(FakeHandler.FastOptions(adminToken: "t"));

        await Assert.ThrowsAsync<KcmTransportException>(() => client.DistillAsync());

        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task DistillAsync_503_IsRetriedBecauseTheServerDidNotAct()
    {
        const string Outcome = """{"model":"fashion-mnist","promoted":true,"current_version":3,"candidate_version":3,"sample_count":512,"candidate_check_accuracy":0.85,"incumbent_check_accuracy":0.83,"detail":"better"}""";
        var handler = FakeHandler.Answering((_, index) =>
            index == 0 ? Responses.Problem(HttpStatusCode.ServiceUnavailable, ProblemCodes.NotReady, true) : Responses.Json(Outcome));
        using var client = handler.Client(FakeHandler.FastOptions(adminToken: "t"));

        var round = await client.DistillAsync();

        Assert.Equal(2, handler.Count);
        Assert.Equal(new DistillResponse("fashion-mnist", true, 3, 3, 512, 0.85, 0.83, "better"), round);
    }

    [Fact]
    public async Task InferAsync_AttemptsTimeOut_RetriesThenThrowsTimeout()
    {
        var handler = new FakeHandler(async (_, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new UnreachableException();
        });
        var options = new KcmClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(50), MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) };
        using var client = handler.Client(options);

        await Assert.ThrowsAsync<KcmTimeoutException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task InferAsync_RetryAfterBeyondOverallTimeout_ThrowsTimeoutAtTheOverallLimit()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Problem(HttpStatusCode.TooManyRequests, ProblemCodes.Overloaded, true, retryAfterSeconds: 20));
        var options = new KcmClientOptions { OverallTimeout = TimeSpan.FromMilliseconds(300), AttemptTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = handler.Client(options);

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<KcmTimeoutException>(() => client.InferAsync(OneSample, batchSize: 1));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task InferAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var handler = new FakeHandler(async (_, _, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new UnreachableException();
        });
        using var client = handler.Client();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        // Not a KcmTimeoutException: the caller's own cancellation stays a cancellation, and is not retried.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.InferAsync(OneSample, batchSize: 1, cancellationToken: cancellation.Token));

        Assert.Equal(1, handler.Count);
    }
}
