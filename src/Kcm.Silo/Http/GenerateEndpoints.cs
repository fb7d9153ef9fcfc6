using System.Text.Json;
using Kcm.Contracts;
using Kcm.Grains.Ensemble;
using Kcm.Silo.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kcm.Silo.Http;

/// <summary>
/// <c>POST /v1/models/{model}/generate</c>: ensemble generation streamed as server-sent events. Refusals before the
/// stream starts are problem+json 4xx/503; a failure after it started ends the stream with <c>event: error</c>.
/// </summary>
internal static class GenerateEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost(KcmRoutes.Generate, GenerateAsync)
            .WithName("Generate")
            .WithSummary("Greedy DeePEn ensemble generation, streamed as server-sent events: 'token' per step, then 'done' (or 'error').")
            .DocumentsBody<GenerateRequest>(required: true)
            .Produces<GenerationToken>(StatusCodes.Status200OK, KcmMediaTypes.EventStream)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task GenerateAsync(HttpContext context, string model, EnsembleNode ensembles, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (ensembles.Grain is not { } grain || !string.Equals(model, grain.ModelName, StringComparison.Ordinal))
        {
            var served = ensembles.Grain is { } other ? $"the ensemble served here is '{other.ModelName}'" : "this silo serves no ensemble (Kcm:Ensemble:Manifest is unset)";
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownModel, "Unknown model",
                $"No ensemble named '{model}' generates here; {served}.", false).ConfigureAwait(false);
            return;
        }

        var request = await ReadRequestAsync(context).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        var aborted = context.RequestAborted;
        GenerationStream stream;
        try
        {
            stream = await grain.StartAsync(request, aborted).ConfigureAwait(false);
        }
        catch (GenerationRefusedException refusal)
        {
            var (status, retriable) = refusal.Reason switch
            {
                GenerationRefusal.ModeUnavailable => (StatusCodes.Status409Conflict, false),
                GenerationRefusal.Overloaded or GenerationRefusal.ShuttingDown => (StatusCodes.Status503ServiceUnavailable, true),
                _ => (StatusCodes.Status400BadRequest, false),
            };
            await ProblemResponses.WriteAsync(context, status, refusal.Code, refusal.Title, refusal.Message, retriable,
                retriable ? settings.RetryAfterSeconds : null).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }

        await using (stream.ConfigureAwait(false))
        {
            await StreamAsync(context, stream, aborted).ConfigureAwait(false);
        }
    }

    private static async Task<GenerateRequest?> ReadRequestAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(KcmMediaTypes.Json, StringComparison.OrdinalIgnoreCase))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                $"Content-Type '{context.Request.ContentType ?? "(none)"}' is not accepted; send {KcmMediaTypes.Json}.", false).ConfigureAwait(false);
            return null;
        }

        GenerateRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, KcmJsonContext.Default.GenerateRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await ProblemResponses.MalformedJsonAsync(context, "The body is not a valid generate request: " + e.Message).ConfigureAwait(false);
            return null;
        }

        if (request is null)
        {
            await ProblemResponses.MalformedJsonAsync(context, "The body must be an object with a 'prompt'.").ConfigureAwait(false);
        }

        return request;
    }

    private static async Task StreamAsync(HttpContext context, GenerationStream stream, CancellationToken aborted)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = KcmMediaTypes.EventStream;
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx would otherwise buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var events = new ServerSentEventWriter(response.BodyWriter);
        try
        {
            // Headers go out now, so the client knows the stream started before the first step is decoded.
            await response.StartAsync(aborted).ConfigureAwait(false);
            var done = false;
            await foreach (var item in stream.ReadAllAsync(aborted).ConfigureAwait(false))
            {
                switch (item)
                {
                    case GenerationToken token:
                        await events.WriteAsync(ServerSentEvents.Token, token, KcmJsonContext.Default.GenerationToken, aborted).ConfigureAwait(false);
                        break;
                    case GenerationDone finished:
                        done = true;
                        await events.WriteAsync(ServerSentEvents.Done, finished, KcmJsonContext.Default.GenerationDone, aborted).ConfigureAwait(false);
                        break;
                }
            }

            if (!done)
            {
                // The stream ended without its done event: the grain stopped it (the silo is shutting down).
                await WriteErrorAsync(events, ProblemCodes.ShuttingDown, "Shutting down", StatusCodes.Status503ServiceUnavailable,
                    "The silo stopped this generation while shutting down; retry on another node.", true, aborted).ConfigureAwait(false);
            }
        }
        catch (GenerationFailedException failure)
        {
            await WriteErrorAsync(events, ProblemCodes.GenerationFailed, "Generation failed", StatusCodes.Status500InternalServerError,
                failure.Message, false, aborted).ConfigureAwait(false);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The client went away; disposing the stream stops the decoding.
        }
    }

    private static async Task WriteErrorAsync(
        ServerSentEventWriter events, string code, string title, int status, string detail, bool retriable, CancellationToken aborted)
    {
        var problem = new KcmProblemDetails("urn:kcm:problem:" + code, title, status, detail, code, retriable);
        try
        {
            await events.WriteAsync(ServerSentEvents.Error, problem, KcmJsonContext.Default.KcmProblemDetails, aborted).ConfigureAwait(false);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
        }
    }
}
