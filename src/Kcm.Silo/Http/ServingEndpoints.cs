using System.Text.Json;
using Kcm.Contracts;
using Kcm.Grains.Pipeline;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The public endpoints: infer, model info, health and readiness.</summary>
internal static class ServingEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost(KcmRoutes.Infer, InferAsync)
            .WithName("Infer")
            .WithSummary("Answer a batch of samples (JSON rows or raw little-endian float32 with X-Kcm-Shape).")
            .DocumentsInferBody<InferRequest>()
            .Produces<InferResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        routes.MapGet(KcmRoutes.Model, GetModelAsync)
            .WithName("GetModel")
            .WithSummary("The model's threshold, small model versions, routing figures and large model.")
            .Produces<ModelInfo>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        routes.MapGet(KcmRoutes.Healthz, () => Results.Text("ok"))
            .WithName("Healthz")
            .WithSummary("Liveness: the process answers.");
        routes.MapGet(KcmRoutes.Readyz, ReadyAsync)
            .WithName("Readyz")
            .WithSummary("Readiness: 200 once every model is loaded, 503 before.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task InferAsync(HttpContext context, string model, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (!string.Equals(model, settings.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, settings.ModelName).ConfigureAwait(false);
            return;
        }

        var grains = node.Grains;
        if (grains is null || node.IsStopping)
        {
            await ProblemResponses.NotReadyAsync(context, node.IsStopping, settings.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var pipeline = grains.Pipeline;
        using var input = await InferInputReader.ReadAsync(context, pipeline.InputSize, settings.MaxBatchSize).ConfigureAwait(false);
        if (input is null)
        {
            pipeline.CountRefused(1, "bad_request");
            return;
        }

        var outcome = await pipeline.InferAsync(input.Features, input.BatchSize, input.ReturnProbabilities, context.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case InferenceStatus.Completed:
                context.Response.ContentType = KcmMediaTypes.Json;
                await JsonSerializer.SerializeAsync(context.Response.Body, outcome.Response!, KcmJsonContext.Default.InferResponse, context.RequestAborted)
                    .ConfigureAwait(false);
                break;
            case InferenceStatus.Overloaded:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemCodes.Overloaded, "Overloaded",
                    "The large model's queue is full; retry after the indicated delay.", true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case InferenceStatus.DeadlineExceeded:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.DeadlineExceeded, "Deadline exceeded",
                    $"The large model could not answer within {settings.RequestTimeoutMilliseconds} ms.", true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case InferenceStatus.LargeModelUnavailable:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.LargeModelUnavailable, "Large model unavailable",
                    "The large model cannot be reached (the message broker is disconnected); retry after the indicated delay.", true, settings.RetryAfterSeconds)
                    .ConfigureAwait(false);
                break;
            case InferenceStatus.NonFiniteOutput:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, ProblemCodes.NonFiniteOutput, "No finite answer",
                    $"Row {outcome.Row}: the large model's output is not a finite number, so no model can answer it. Its values are far outside what the "
                    + "models were trained on (Fashion-MNIST pixels are scaled to 0..1).", false).ConfigureAwait(false);
                break;
            default:
                await ProblemResponses.NotReadyAsync(context, stopping: true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
        }
    }

    private static async Task GetModelAsync(HttpContext context, string model, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (!string.Equals(model, settings.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, settings.ModelName).ConfigureAwait(false);
            return;
        }

        if (node.Grains is not { } grains)
        {
            await ProblemResponses.NotReadyAsync(context, node.IsStopping, settings.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var current = await grains.Small.GetCurrentAsync().ConfigureAwait(false);
        var stored = await grains.Small.ListVersionsAsync(context.RequestAborted).ConfigureAwait(false);
        var versions = new SmallModelVersionInfo[stored.Count];
        for (var i = 0; i < stored.Count; i++)
        {
            versions[i] = new SmallModelVersionInfo(stored[i].Version, stored[i].CreatedUtc, stored[i].Sha256, stored[i].CheckAccuracy);
        }

        var pipeline = grains.Pipeline;
        var info = new ModelInfo(
            settings.ModelName,
            await grains.Judge.GetThresholdAsync().ConfigureAwait(false),
            new SmallModelInfo(current.Version, versions),
            new RoutingInfo(pipeline.RequestsSmall, pipeline.RequestsLarge, pipeline.Window.LargeShare(), pipeline.Window.WindowSeconds),
            new LargeModelInfo(grains.Large.ModelName, grains.Large.HintInputName));
        context.Response.ContentType = KcmMediaTypes.Json;
        await JsonSerializer.SerializeAsync(context.Response.Body, info, KcmJsonContext.Default.ModelInfo, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ReadyAsync(HttpContext context, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        if (node.IsReady)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ready", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (node.Grains is not null && !node.IsStopping && !node.IsBrokerConnected)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.BrokerDisconnected, "Broker disconnected",
                "The silo lost its message broker and is reconnecting; small-route answers still work, large-route ones are refused.", true,
                options.Value.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        await ProblemResponses.NotReadyAsync(context, node.IsStopping, options.Value.RetryAfterSeconds).ConfigureAwait(false);
    }
}
