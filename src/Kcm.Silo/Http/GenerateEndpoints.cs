using System.Text.Json;
using Kcm.Abstractions.Generation;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kcm.Silo.Http;

/// <summary>
/// <c>POST /v1/models/{model}/generate</c>: the ensemble grain's generation streamed as server-sent events. Refusals
/// before the first token are problem+json 4xx/503; a failure after the stream started ends it with <c>event: error</c>.
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

    private static async Task GenerateAsync(
        HttpContext context, string model, IGrainFactory grains, IHostApplicationLifetime lifetime, IOptions<KcmSiloOptions> options)
    {
        var request = await ReadRequestAsync(context).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        // A stream may run for minutes; a stopping silo drains short requests but ends its streams at once, telling
        // their clients to retry elsewhere (the error event below), rather than holding up the shutdown.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ended.Token;
        var prompt = new GenerationPrompt(request.Prompt ?? string.Empty, request.MaxTokens, [.. request.Stop ?? []], request.Mode ?? GenerationModes.Avg);
        var steps = grains.GetGrain<IEnsembleGrain>(model).GenerateAsync(prompt, aborted).GetAsyncEnumerator(aborted);
        await using (steps.ConfigureAwait(false))
        {
            bool any;
            try
            {
                // The grain refuses before its first step: wait for it before answering, so a refusal is a problem, not a stream.
                any = await steps.MoveNextAsync().ConfigureAwait(false);
            }
            catch (GenerationRefusedException refusal)
            {
                var status = refusal.Code switch
                {
                    ProblemCodes.UnknownModel => StatusCodes.Status404NotFound,
                    ProblemCodes.NotReady => StatusCodes.Status503ServiceUnavailable,
                    ProblemCodes.ModeUnavailable => StatusCodes.Status409Conflict,
                    _ when refusal.Retriable => StatusCodes.Status503ServiceUnavailable,
                    _ => StatusCodes.Status400BadRequest,
                };
                await ProblemResponses.WriteAsync(context, status, refusal.Code, Title(refusal.Code), refusal.Message, refusal.Retriable,
                    refusal.Retriable ? options.Value.RetryAfterSeconds : null).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (aborted.IsCancellationRequested)
            {
                return;
            }

            await StreamAsync(context, steps, any, lifetime.ApplicationStopping, aborted).ConfigureAwait(false);
        }
    }

    private static string Title(string code) => code switch
    {
        ProblemCodes.UnknownModel => "Unknown model",
        ProblemCodes.ModeUnavailable => "Mode unavailable",
        ProblemCodes.Overloaded => "Overloaded",
        ProblemCodes.ShuttingDown => "Shutting down",
        ProblemCodes.NotReady => "Not ready",
        ProblemCodes.InvalidPrompt => "Invalid prompt",
        ProblemCodes.PromptTooLong => "Prompt too long",
        ProblemCodes.InvalidMaxTokens => "Invalid max_tokens",
        ProblemCodes.InvalidStop => "Invalid stop",
        ProblemCodes.InvalidMode => "Invalid mode",
        _ => "Generation refused",
    };

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

    private static async Task StreamAsync(
        HttpContext context, IAsyncEnumerator<GenerationStep> steps, bool any, CancellationToken stopping, CancellationToken aborted)
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
            // Headers go out now, so the client knows the stream started before the next step is decoded.
            await response.StartAsync(aborted).ConfigureAwait(false);
            var done = false;
            while (any)
            {
                switch (steps.Current)
                {
                    case GeneratedToken token:
                        await events.WriteAsync(ServerSentEvents.Token, ToToken(token), KcmJsonContext.Default.GenerationToken, aborted).ConfigureAwait(false);
                        break;
                    case GenerationFinished finished:
                        done = true;
                        await events.WriteAsync(ServerSentEvents.Done, ToDone(finished), KcmJsonContext.Default.GenerationDone, aborted).ConfigureAwait(false);
                        break;
                }

                any = await steps.MoveNextAsync().ConfigureAwait(false);
            }

            if (!done)
            {
                // The stream ended without its done event: the grain stopped it (its silo is shutting down).
                await WriteErrorAsync(events, ProblemCodes.ShuttingDown, "Shutting down", StatusCodes.Status503ServiceUnavailable,
                    "The silo stopped this generation while shutting down; retry on another node.", true, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await WriteErrorAsync(events, ProblemCodes.ShuttingDown, "Shutting down", StatusCodes.Status503ServiceUnavailable,
                "The silo stopped this generation while shutting down; retry on another node.", true, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The client went away; disposing the enumerator cancels the grain's stream.
        }
        catch (GenerationFailedException failure)
        {
            var (title, status) = failure.Code == ProblemCodes.ShuttingDown
                ? ("Shutting down", StatusCodes.Status503ServiceUnavailable)
                : ("Generation failed", StatusCodes.Status500InternalServerError);
            await WriteErrorAsync(events, failure.Code, title, status, failure.Message, failure.Retriable, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GenerateEndpoints).FullName!)
                .LogWarning(failure, "A generation failed after its stream started.");
            await WriteErrorAsync(events, ProblemCodes.GenerationFailed, "Generation failed", StatusCodes.Status500InternalServerError,
                failure.Message, false, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static GenerationToken ToToken(GeneratedToken t) =>
        new(t.Index, t.TokenId, t.Text, t.Fused, t.ChangedByFusion, t.StepMs, t.MainMs, t.AssistantsMs, t.FusionMs);

    private static GenerationDone ToDone(GenerationFinished f) =>
        new(f.Text, f.Tokens, f.FinishReason, f.FusedSteps, f.FusedStepShare, f.TokensPerSecond, f.ElapsedMs, f.Mode, f.Model);

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
