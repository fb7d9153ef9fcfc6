using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kcm.Contracts;
using Kcm.Grains.Distillation;
using Kcm.Grains.Storage;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The admin endpoints (bearer token): threshold, rollback, distillation round.</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPut(KcmRoutes.Threshold, SetThresholdAsync)
            .WithName("SetThreshold")
            .WithSummary("Set the judge threshold epsilon (0 < epsilon < 1); persisted. Admin: Authorization: Bearer <token>.")
            .DocumentsBody<ThresholdRequest>(required: true)
            .Produces<ThresholdResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        routes.MapPost(KcmRoutes.Rollback, RollbackAsync)
            .WithName("Rollback")
            .WithSummary("Make a stored small model version current (default: the one before the current). Admin.")
            .DocumentsBody<RollbackRequest>(required: false)
            .Produces<RollbackResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        routes.MapPost(KcmRoutes.Distill, DistillAsync)
            .WithName("Distill")
            .WithSummary("Run a distillation round now on the waiting teacher records and return its outcome. Admin.")
            .Produces<DistillResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    private static async Task SetThresholdAsync(HttpContext context, string model, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        if (await ResolveAsync(context, model, node, options.Value).ConfigureAwait(false) is not { } grains)
        {
            return;
        }

        var (ok, request) = await ReadBodyAsync(context, KcmJsonContext.Default.ThresholdRequest, allowEmpty: false).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        if (request is null || !(request.Epsilon is > 0 and < 1))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidThreshold, "Invalid threshold",
                $"epsilon must be strictly between 0 and 1 (got {request?.Epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}).",
                false).ConfigureAwait(false);
            return;
        }

        var previous = await grains.Judge.SetThresholdAsync(request.Epsilon, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, new ThresholdResponse(model, request.Epsilon, previous), KcmJsonContext.Default.ThresholdResponse).ConfigureAwait(false);
    }

    private static async Task RollbackAsync(HttpContext context, string model, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        if (await ResolveAsync(context, model, node, options.Value).ConfigureAwait(false) is not { } grains)
        {
            return;
        }

        var (ok, request) = await ReadBodyAsync(context, KcmJsonContext.Default.RollbackRequest, allowEmpty: true).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        try
        {
            var result = await grains.Small.RollbackAsync(request?.Version, context.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(context, new RollbackResponse(model, result.Current.Version, result.PreviousVersion), KcmJsonContext.Default.RollbackResponse)
                .ConfigureAwait(false);
        }
        catch (ModelStoreException e) when (e.Failure == ModelStoreFailure.UnknownVersion)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownVersion, "Unknown version", e.Message, false)
                .ConfigureAwait(false);
        }
        catch (ModelStoreException e)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status409Conflict, ProblemCodes.CorruptVersion, "Version refused",
                e.Message + " The current version keeps serving.", false).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status409Conflict, ProblemCodes.CorruptVersion, "Version refused",
                e.Message + " The current version keeps serving.", false).ConfigureAwait(false);
        }
    }

    private static async Task DistillAsync(HttpContext context, string model, ServingNode node, IOptions<KcmSiloOptions> options)
    {
        if (await ResolveAsync(context, model, node, options.Value).ConfigureAwait(false) is not { } grains)
        {
            return;
        }

        var round = await grains.Distillation.RunRoundAsync(context.RequestAborted).ConfigureAwait(false);
        var response = new DistillResponse(
            model,
            round.Outcome == DistillationRoundOutcome.Accepted,
            round.CurrentVersion,
            round.CandidateVersion,
            round.SampleCount,
            round.CandidateCheckAccuracy,
            round.IncumbentCheckAccuracy,
            round.Detail,
            round.JudgeVersion,
            round.JudgeDetail);
        await WriteJsonAsync(context, response, KcmJsonContext.Default.DistillResponse).ConfigureAwait(false);
    }

    /// <summary>Authorizes, checks the model name and readiness; null after writing the refusal.</summary>
    private static async Task<ServingGrains?> ResolveAsync(HttpContext context, string model, ServingNode node, KcmSiloOptions options)
    {
        if (!await AdminAuthorization.AuthorizeAsync(context, options).ConfigureAwait(false))
        {
            return null;
        }

        if (!string.Equals(model, options.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, options.ModelName).ConfigureAwait(false);
            return null;
        }

        if (node.Grains is not { } grains || node.IsStopping)
        {
            await ProblemResponses.NotReadyAsync(context, node.IsStopping, options.RetryAfterSeconds).ConfigureAwait(false);
            return null;
        }

        return grains;
    }

    private static async Task<(bool Ok, T? Value)> ReadBodyAsync<T>(HttpContext context, JsonTypeInfo<T> type, bool allowEmpty)
        where T : class
    {
        var request = context.Request;
        if (allowEmpty && request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any())
        {
            return (true, null);
        }

        if (!request.HasJsonContentType())
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type",
                $"Content-Type '{request.ContentType ?? "(none)"}' is not accepted; send {KcmMediaTypes.Json}.", false).ConfigureAwait(false);
            return (false, null);
        }

        try
        {
            return (true, await JsonSerializer.DeserializeAsync(request.Body, type, context.RequestAborted).ConfigureAwait(false));
        }
        catch (JsonException e)
        {
            await ProblemResponses.MalformedJsonAsync(context, "The body is not valid JSON for this request: " + e.Message).ConfigureAwait(false);
            return (false, null);
        }
    }

    private static Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.ContentType = KcmMediaTypes.Json;
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }
}
