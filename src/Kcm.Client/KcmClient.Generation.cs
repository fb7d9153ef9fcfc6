using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kcm.Contracts;
using Polly.Timeout;

namespace Kcm.Client;

/// <summary>Ensemble generation: <c>POST /v1/models/{model}/generate</c>, read as server-sent events.</summary>
public sealed partial class KcmClient
{
    /// <summary>
    /// Streams a generation: a <see cref="GenerationToken"/> per generated token as the server sends it, then one
    /// <see cref="GenerationDone"/>. Refusals (bad request, unknown model, overload after the retries) throw
    /// <see cref="KcmProblemException"/> before the first event; a server failure mid-stream throws it at that point.
    /// The timeouts of <see cref="KcmClientOptions"/> cover the start of the stream only; stopping the enumeration
    /// (or cancelling <paramref name="cancellationToken"/>) closes the connection, which stops the server's decoding.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> GenerateStreamAsync(
        string model, GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(request);
        var path = KcmRoutes.GeneratePath(model);
        using var response = await StartStreamAsync(path, request, cancellationToken).ConfigureAwait(false);
        using var body = await ReadBodyAsync(response, path, cancellationToken).ConfigureAwait(false);
        var events = new ServerSentEventReader(body);
        while (true)
        {
            var next = await NextEventAsync(events, path, cancellationToken).ConfigureAwait(false)
                ?? throw new KcmTransportException($"POST {path}: the event stream ended before its '{ServerSentEvents.Done}' event.");
            if (Decode(next, path) is not { } item)
            {
                continue;
            }

            yield return item;
            if (item is GenerationDone)
            {
                yield break;
            }
        }
    }

    /// <summary>Runs a generation to its end and returns the done event (its <see cref="GenerationDone.Text"/> is the whole output).</summary>
    public async Task<GenerationDone> GenerateAsync(string model, GenerateRequest request, CancellationToken cancellationToken = default)
    {
        await foreach (var item in GenerateStreamAsync(model, request, cancellationToken).ConfigureAwait(false))
        {
            if (item is GenerationDone done)
            {
                return done;
            }
        }

        throw new KcmTransportException($"POST {KcmRoutes.GeneratePath(model)}: the event stream ended before its '{ServerSentEvents.Done}' event.");
    }

    private static GenerationEvent? Decode(ServerSentEvent item, string path)
    {
        try
        {
            return item.Name switch
            {
                ServerSentEvents.Token => JsonSerializer.Deserialize(item.Data, KcmJsonContext.Default.GenerationToken),
                ServerSentEvents.Done => JsonSerializer.Deserialize(item.Data, KcmJsonContext.Default.GenerationDone),
                ServerSentEvents.Error => throw new KcmProblemException(
                    JsonSerializer.Deserialize(item.Data, KcmJsonContext.Default.KcmProblemDetails)
                    ?? throw new KcmTransportException($"POST {path}: an empty '{ServerSentEvents.Error}' event.")),
                // Events this client does not know (a newer server) are skipped.
                _ => null,
            };
        }
        catch (JsonException exception)
        {
            throw new KcmTransportException($"POST {path}: a '{item.Name}' event does not fit the contract: {exception.Message}", exception);
        }
    }

    private static async Task<ServerSentEvent?> NextEventAsync(ServerSentEventReader events, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await events.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            throw new KcmTransportException($"POST {path}: the event stream broke: {exception.Message}", exception);
        }
    }

    private static async Task<Stream> ReadBodyAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            throw new KcmTransportException($"POST {path}: the event stream broke: {exception.Message}", exception);
        }
    }

    /// <summary>Sends the request through the retry pipeline (429/503 are retried: the server decoded nothing) and returns once the headers arrived.</summary>
    private async Task<HttpResponseMessage> StartStreamAsync(string path, GenerateRequest request, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseAddress, path.TrimStart('/'));
        HttpResponseMessage response;
        try
        {
            response = await _nonIdempotentPipeline.ExecuteAsync(
                async token =>
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, uri)
                    {
                        Content = JsonContent.Create(request, KcmJsonContext.Default.GenerateRequest),
                    };
                    message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(KcmMediaTypes.EventStream));
                    return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new KcmTimeoutException($"POST {path} did not start streaming within {exception.Timeout}.", exception);
        }
        catch (HttpRequestException exception)
        {
            throw new KcmTransportException($"POST {path} failed: {exception.Message}", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KcmTimeoutException($"POST {path} timed out (HttpClient.Timeout).", exception);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemFromAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }
}
