using System.Diagnostics;
using System.Text.Json;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The public endpoints: infer (through the judge grain), model info, health and readiness.</summary>
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
            .WithSummary("Readiness: 200 once this silo serves a version, 503 before (and while stopping).")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task InferAsync(
        HttpContext context, string model, ServingState state, ServedModel served, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (!string.Equals(model, served.Name, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, served.Name).ConfigureAwait(false);
            return;
        }

        if (!state.IsReady)
        {
            await ProblemResponses.NotReadyAsync(context, state.IsStopping, settings.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var description = await served.DescribeAsync().ConfigureAwait(false);
        var input = await InferInputReader.ReadAsync(context, description.InputSize, settings.MaxBatchSize).ConfigureAwait(false);
        if (input is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var result = await grains.GetGrain<IJudgeGrain>(served.Name)
            .ClassifyAsync(new ClassifyBatch(input.Features, input.BatchSize, input.ReturnProbabilities))
            .ConfigureAwait(false);
        var latencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        switch (result.Status)
        {
            case ClassifyStatus.Completed:
                context.Response.ContentType = KcmMediaTypes.Json;
                await JsonSerializer.SerializeAsync(context.Response.Body, ToResponse(served.Name, result, input.BatchSize, latencyMs),
                    KcmJsonContext.Default.InferResponse, context.RequestAborted).ConfigureAwait(false);
                break;
            case ClassifyStatus.Overloaded:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemCodes.Overloaded, "Overloaded",
                    "The large model's queue is full; retry after the indicated delay.", true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case ClassifyStatus.DeadlineExceeded:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.DeadlineExceeded, "Deadline exceeded",
                    Detail(result, "The large model could not answer before the request's deadline."), true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case ClassifyStatus.ShuttingDown:
                await ProblemResponses.NotReadyAsync(context, stopping: true, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case ClassifyStatus.NotReady:
                await ProblemResponses.NotReadyAsync(context, stopping: false, settings.RetryAfterSeconds).ConfigureAwait(false);
                break;
            case ClassifyStatus.NonFiniteOutput:
                await ProblemResponses.WriteAsync(context, StatusCodes.Status422UnprocessableEntity, ProblemCodes.NonFiniteOutput, "No finite answer",
                    $"Row {result.FailedRow}: the large model's output is not a finite number, so no model can answer it. Its values are far outside what the "
                    + "models were trained on (Fashion-MNIST pixels are scaled to 0..1).", false).ConfigureAwait(false);
                break;
            default:
                // InvalidInput: the body passed this host's checks, so the grain holds a model of another shape than described.
                await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.BadRequest, "Bad request",
                    Detail(result, "The model refused the batch."), false).ConfigureAwait(false);
                break;
        }
    }

    private static string Detail(ClassifyResult result, string fallback) => string.IsNullOrWhiteSpace(result.Detail) ? fallback : result.Detail;

    private static InferResponse ToResponse(string model, ClassifyResult result, int rows, double latencyMs)
    {
        var classes = result.Probabilities.Length / rows;
        var results = new InferResult[rows];
        for (var i = 0; i < rows; i++)
        {
            var large = result.Routes[i] == SampleRoute.Large;
            results[i] = new InferResult(
                result.Labels[i],
                classes == 0 ? null : result.Probabilities.AsSpan(i * classes, classes).ToArray(),
                large ? InferenceRoute.Large : InferenceRoute.Small,
                result.Confidences[i],
                result.SmallModelVersion,
                result.HintOf(i) switch { HintUse.Used => HintOutcome.Used, HintUse.Unused => HintOutcome.Unused, _ => null },
                latencyMs);
        }

        return new InferResponse(model, results, result.Threshold);
    }

    private static async Task GetModelAsync(
        HttpContext context, string model, ServingState state, ServedModel served, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        if (!string.Equals(model, served.Name, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, served.Name).ConfigureAwait(false);
            return;
        }

        var registry = grains.GetGrain<IModelRegistryGrain>(served.Name);
        if (!state.IsReady || await registry.GetCurrentAsync().ConfigureAwait(false) is not { } current)
        {
            await ProblemResponses.NotReadyAsync(context, state.IsStopping, options.Value.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var history = await registry.GetHistoryAsync().ConfigureAwait(false);
        var description = await served.DescribeAsync().ConfigureAwait(false);
        var info = new ModelInfo(
            served.Name,
            current.Threshold,
            new SmallModelInfo(current.Small.Version, SmallVersions(history, current)),
            new RoutingInfo(state.SmallCount, state.LargeCount, state.LargeShare, state.WindowSeconds),
            new LargeModelInfo(description.Name, description.HintInput),
            current.CalibratedLargeShare,
            WireName(current.Score));
        context.Response.ContentType = KcmMediaTypes.Json;
        await JsonSerializer.SerializeAsync(context.Response.Body, info, KcmJsonContext.Default.ModelInfo, context.RequestAborted).ConfigureAwait(false);
    }

    private static string WireName(RoutingScore score) => score switch
    {
        RoutingScore.JudgeAgreement => "judge_agreement",
        RoutingScore.Ensemble => "ensemble",
        _ => "judge_max_softmax",
    };

    /// <summary>
    /// The small model versions the registry keeps, oldest first, one entry each: the wire speaks of small model
    /// versions (as infer results do), while the registry numbers serving versions (small model, judge, threshold).
    /// </summary>
    private static SmallModelVersionInfo[] SmallVersions(ServingVersion[] history, ServingVersion current)
    {
        var versions = new SortedDictionary<int, StoredWeights> { [current.Small.Version] = current.Small };
        foreach (var kept in history)
        {
            versions[kept.Small.Version] = kept.Small;
        }

        return [.. versions.Values.Select(w => new SmallModelVersionInfo(w.Version, w.CreatedUtc, w.Sha256, w.CheckAccuracy))];
    }

    private static async Task ReadyAsync(HttpContext context, ServingState state, IOptions<KcmSiloOptions> options)
    {
        if (state.IsReady)
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ready", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!state.IsStopping && state.LoadFailure is { } failure)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.NotReady, "Not ready",
                "The silo could not load its models: " + failure.Message, false).ConfigureAwait(false);
            return;
        }

        await ProblemResponses.NotReadyAsync(context, state.IsStopping, options.Value.RetryAfterSeconds).ConfigureAwait(false);
    }
}
