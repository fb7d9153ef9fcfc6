using System.Collections.Concurrent;

namespace Kcm.Client.Tests;

/// <summary>An HttpMessageHandler answering from a function of (request, attempt index); records every request.</summary>
internal sealed class FakeHandler(Func<RecordedRequest, int, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    private int _count;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Count => Volatile.Read(ref _count);

    public static FakeHandler Answering(Func<RecordedRequest, int, HttpResponseMessage> respond) =>
        new((request, index, _) => Task.FromResult(respond(request, index)));

    /// <summary>A client over this handler at http://kcm.test/.</summary>
    public KcmClient Client(KcmClientOptions? options = null) =>
        new(new HttpClient(this) { BaseAddress = new Uri("http://kcm.test/") }, options ?? FastOptions());

    /// <summary>Options with tiny backoff so retry tests run fast.</summary>
    public static KcmClientOptions FastOptions(
        InferEncoding encoding = InferEncoding.Binary, int maxRetries = 3, string? adminToken = null,
        int maxBatchSize = 256, int maxConcurrency = 4) => new()
    {
        Encoding = encoding,
        MaxRetries = maxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        AttemptTimeout = TimeSpan.FromSeconds(5),
        OverallTimeout = TimeSpan.FromSeconds(20),
        AdminToken = adminToken,
        MaxBatchSize = maxBatchSize,
        MaxConcurrency = maxConcurrency,
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
        Requests.Enqueue(recorded);
        var index = Interlocked.Increment(ref _count) - 1;
        return await respond(recorded, index, cancellationToken);
    }
}
