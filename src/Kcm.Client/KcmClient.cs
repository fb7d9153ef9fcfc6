using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kcm.Contracts;
using Polly;
using Polly.Timeout;

namespace Kcm.Client;

/// <summary>
/// Typed client of a KCM silo's HTTP API. Thread-safe; share one instance. Retries 429/503 (honouring
/// Retry-After) and, for idempotent calls, transport failures; failures surface as <see cref="KcmException"/>s.
/// </summary>
public sealed partial class KcmClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _baseAddress;
    private readonly KcmClientOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _idempotentPipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _nonIdempotentPipeline;

    /// <summary>A client over the caller's HttpClient, which must have a <see cref="HttpClient.BaseAddress"/>; the caller keeps owning it.</summary>
    public KcmClient(HttpClient httpClient, KcmClientOptions? options = null)
        : this(httpClient, ownsHttp: false, options)
    {
    }

    /// <summary>A client with its own HttpClient for the silo at <paramref name="baseAddress"/> (e.g. http://localhost:8080/).</summary>
    public KcmClient(Uri baseAddress, KcmClientOptions? options = null)
        : this(CreateHttpClient(baseAddress), ownsHttp: true, options)
    {
    }

    private KcmClient(HttpClient httpClient, bool ownsHttp, KcmClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _options = options ?? new KcmClientOptions();
        _options.Validate();
        if (httpClient.BaseAddress is not { IsAbsoluteUri: true } baseAddress)
        {
            throw new ArgumentException("The HttpClient needs an absolute BaseAddress (the silo's address).", nameof(httpClient));
        }

        // A trailing slash keeps a path prefix (e.g. behind a proxy at /kcm/) when the routes are appended.
        _baseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _http = httpClient;
        _ownsHttp = ownsHttp;
        _idempotentPipeline = RetryPipelines.Create(_options, retryTransportFailures: true);
        _nonIdempotentPipeline = RetryPipelines.Create(_options, retryTransportFailures: false);
    }

    public KcmClientOptions Options => _options;

    /// <summary>Classifies one batch given as one array per sample (all the same length).</summary>
    public async Task<InferResponse> InferAsync(float[][] inputs, bool returnProbabilities = false, CancellationToken cancellationToken = default)
    {
        var featureCount = CheckRows(inputs);
        if (_options.Encoding == InferEncoding.Json)
        {
            var request = new InferRequest(inputs, returnProbabilities);
            return await SendAsync(
                HttpMethod.Post, KcmRoutes.InferPath(_options.Model), () => JsonContent.Create(request, KcmJsonContext.Default.InferRequest),
                KcmJsonContext.Default.InferResponse, idempotent: true, admin: false, cancellationToken, shape: null, returnProbabilities).ConfigureAwait(false);
        }

        var flat = ArrayPool<float>.Shared.Rent(inputs.Length * featureCount);
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i].CopyTo(flat, i * featureCount);
            }

            return await InferBinaryAsync(flat.AsMemory(0, inputs.Length * featureCount), inputs.Length, featureCount, returnProbabilities, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(flat);
        }
    }

    /// <summary>Classifies one batch given as <paramref name="batchSize"/> rows laid out one after another in <paramref name="features"/>.</summary>
    public Task<InferResponse> InferAsync(
        ReadOnlyMemory<float> features, int batchSize, bool returnProbabilities = false, CancellationToken cancellationToken = default)
    {
        var featureCount = CheckFlat(features, batchSize);
        if (_options.Encoding == InferEncoding.Binary)
        {
            return InferBinaryAsync(features, batchSize, featureCount, returnProbabilities, cancellationToken);
        }

        var rows = new float[batchSize][];
        for (var i = 0; i < batchSize; i++)
        {
            rows[i] = features.Slice(i * featureCount, featureCount).ToArray();
        }

        return InferAsync(rows, returnProbabilities, cancellationToken);
    }

    /// <summary>
    /// Classifies any number of samples: splits them into batches of at most <see cref="KcmClientOptions.MaxBatchSize"/>,
    /// sends up to <see cref="KcmClientOptions.MaxConcurrency"/> at once and returns one result per sample in input order.
    /// </summary>
    public async Task<InferResult[]> InferManyAsync(
        ReadOnlyMemory<float> features, int sampleCount, bool returnProbabilities = false, CancellationToken cancellationToken = default)
    {
        var featureCount = CheckFlat(features, sampleCount);
        var batchSize = _options.MaxBatchSize;
        var batchCount = (sampleCount + batchSize - 1) / batchSize;
        var results = new InferResult[sampleCount];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, batchCount), parallel, async (batch, token) =>
        {
            var first = batch * batchSize;
            var count = Math.Min(batchSize, sampleCount - first);
            var response = await InferAsync(features.Slice(first * featureCount, count * featureCount), count, returnProbabilities, token)
                .ConfigureAwait(false);
            if (response.Results is null || response.Results.Length != count)
            {
                throw new KcmTransportException($"The server answered {response.Results?.Length ?? 0} results for a batch of {count} samples.");
            }

            Array.Copy(response.Results, 0, results, first, count);
        }).ConfigureAwait(false);
        return results;
    }

    /// <summary>As <see cref="InferManyAsync(ReadOnlyMemory{float}, int, bool, CancellationToken)"/>, for one array per sample.</summary>
    public Task<InferResult[]> InferManyAsync(float[][] inputs, bool returnProbabilities = false, CancellationToken cancellationToken = default)
    {
        var featureCount = CheckRows(inputs);
        var flat = new float[inputs.Length * featureCount];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i].CopyTo(flat, i * featureCount);
        }

        return InferManyAsync(flat, inputs.Length, returnProbabilities, cancellationToken);
    }

    /// <summary>The model's threshold, small model versions, routing figures and large model.</summary>
    public Task<ModelInfo> GetModelAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, KcmRoutes.ModelPath(_options.Model), content: null, KcmJsonContext.Default.ModelInfo,
            idempotent: true, admin: false, cancellationToken);

    /// <summary>
    /// This silo's distillation figures since it started: rounds by outcome, teacher records queued and used. In a
    /// cluster ask each front and distiller and add up (see <see cref="DistillationInfo"/>).
    /// </summary>
    public Task<DistillationInfo> GetDistillationAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, KcmRoutes.DistillationPath(_options.Model), content: null, KcmJsonContext.Default.DistillationInfo,
            idempotent: true, admin: false, cancellationToken);

    /// <summary>Sets the judge confidence threshold (admin; the server requires 0 &lt; epsilon &lt; 1).</summary>
    public Task<ThresholdResponse> SetThresholdAsync(double epsilon, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, KcmRoutes.ThresholdPath(_options.Model),
            () => JsonContent.Create(new ThresholdRequest(epsilon), KcmJsonContext.Default.ThresholdRequest),
            KcmJsonContext.Default.ThresholdResponse, idempotent: true, admin: true, cancellationToken);

    /// <summary>Makes <paramref name="version"/> (default: the one before the current) the current small model (admin).</summary>
    public Task<RollbackResponse> RollbackAsync(int? version = null, CancellationToken cancellationToken = default) =>
        // "The previous version" moves with each rollback, so only an explicit version is safe to resend.
        SendAsync(HttpMethod.Post, KcmRoutes.RollbackPath(_options.Model),
            () => JsonContent.Create(new RollbackRequest(version), KcmJsonContext.Default.RollbackRequest),
            KcmJsonContext.Default.RollbackResponse, idempotent: version is not null, admin: true, cancellationToken);

    /// <summary>Runs a distillation round now and returns its outcome (admin; never resent after a transport failure).</summary>
    public Task<DistillResponse> DistillAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, KcmRoutes.DistillPath(_options.Model), content: null, KcmJsonContext.Default.DistillResponse,
            idempotent: false, admin: true, cancellationToken);

    /// <summary>Whether the silo reports ready (<c>GET /readyz</c> answers 2xx); one attempt, no retries.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, KcmRoutes.Readyz.TrimStart('/')));
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException exception)
        {
            throw new KcmTransportException($"Could not reach the KCM server at {_baseAddress}: {exception.Message}", exception);
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private static HttpClient CreateHttpClient(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);

        // Timeouts come from the pipeline; recycled connections pick up DNS changes of a long-lived client. A generation
        // stream left early closes its connection at once instead of draining it, which is what stops the server decoding.
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), MaxResponseDrainSize = 0 };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    private static int CheckRows(float[][] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0)
        {
            throw new ArgumentException("The batch is empty.", nameof(inputs));
        }

        var featureCount = inputs[0]?.Length ?? 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null || inputs[i].Length != featureCount || featureCount == 0)
            {
                throw new ArgumentException($"Row {i} is null, empty or differs in length from row 0 ({featureCount}).", nameof(inputs));
            }
        }

        return featureCount;
    }

    private static int CheckFlat(ReadOnlyMemory<float> features, int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleCount);
        if (features.Length == 0 || features.Length % sampleCount != 0)
        {
            throw new ArgumentException($"{features.Length} values do not split into {sampleCount} equal non-empty rows.", nameof(features));
        }

        return features.Length / sampleCount;
    }

    private Task<InferResponse> InferBinaryAsync(
        ReadOnlyMemory<float> features, int batchSize, int featureCount, bool returnProbabilities, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, KcmRoutes.InferPath(_options.Model), () => new Float32Content(features), KcmJsonContext.Default.InferResponse,
            idempotent: true, admin: false, cancellationToken, ShapeHeader.Format(batchSize, featureCount), returnProbabilities);

    /// <summary>Sends one call through the resilience pipeline; a fresh request (and body) per attempt.</summary>
    private async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        Func<HttpContent>? content,
        JsonTypeInfo<T> responseType,
        bool idempotent,
        bool admin,
        CancellationToken cancellationToken,
        string? shape = null,
        bool returnProbabilities = false)
    {
        var uri = new Uri(_baseAddress, path.TrimStart('/'));
        var pipeline = idempotent ? _idempotentPipeline : _nonIdempotentPipeline;
        HttpResponseMessage response;
        try
        {
            response = await pipeline.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(method, uri) { Content = content?.Invoke() };
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(KcmMediaTypes.Json));
                    if (shape is not null)
                    {
                        request.Headers.TryAddWithoutValidation(KcmHeaders.Shape, shape);
                        if (returnProbabilities)
                        {
                            request.Headers.TryAddWithoutValidation(KcmHeaders.ReturnProbabilities, "true");
                        }
                    }

                    if (admin && _options.AdminToken is { } adminToken)
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
                    }

                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new KcmTimeoutException($"{method} {path} timed out after {exception.Timeout}.", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new KcmTransportException($"{method} {path} failed: {exception.Message}", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The caller did not cancel: a caller-supplied HttpClient's own Timeout fired.
            throw new KcmTimeoutException($"{method} {path} timed out (HttpClient.Timeout).", exception);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ProblemFromAsync(response, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false)
                    ?? throw new KcmTransportException($"{method} {path} answered an empty body.");
            }
            catch (JsonException exception)
            {
                throw new KcmTransportException($"{method} {path} answered JSON that does not fit the contract: {exception.Message}", exception);
            }
        }
    }

    /// <summary>The server's problem, completed from the status line where the body lacks fields (e.g. a proxy's HTML error page).</summary>
    private static async Task<KcmProblemException> ProblemFromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        KcmProblemDetails? body = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is KcmMediaTypes.ProblemJson or KcmMediaTypes.Json)
        {
            try
            {
                body = await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.KcmProblemDetails, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not a problem document after all; fall back to the status line.
            }
        }

        var status = (int)response.StatusCode;
        var hasCode = !string.IsNullOrEmpty(body?.Code);
        var problem = new KcmProblemDetails(
            Type: string.IsNullOrEmpty(body?.Type) ? "about:blank" : body.Type,
            Title: string.IsNullOrEmpty(body?.Title) ? response.ReasonPhrase ?? response.StatusCode.ToString() : body.Title,
            Status: status,
            Detail: body?.Detail,
            Code: hasCode ? body!.Code : CodeFor(response.StatusCode),
            Retriable: hasCode ? body!.Retriable : RetryPipelines.IsRetriableStatus(response.StatusCode, retryTransportFailures: true));
        return new KcmProblemException(problem, RetryAfter.Of(response, TimeProvider.System));
    }

    private static string CodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => ProblemCodes.Unauthorized,
        HttpStatusCode.UnsupportedMediaType => ProblemCodes.UnsupportedMediaType,
        HttpStatusCode.TooManyRequests => ProblemCodes.Overloaded,
        HttpStatusCode.ServiceUnavailable => ProblemCodes.NotReady,
        _ => "http_" + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
