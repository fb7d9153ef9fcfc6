using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The admin endpoints (bearer token): threshold and rollback through the registry grain, a distillation round.</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPut(KcmRoutes.Threshold, SetThresholdAsync)
            .WithName("SetThreshold")
            .WithSummary("Set the judge threshold epsilon (0 < epsilon < 1), published as a new serving version. Admin: Authorization: Bearer <token>.")
            .DocumentsBody<ThresholdRequest>(required: true)
            .Produces<ThresholdResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        routes.MapPost(KcmRoutes.Rollback, RollbackAsync)
            .WithName("Rollback")
            .WithSummary("Serve again a kept small model version (default: the one before the current), with the judge and threshold it served with. Admin.")
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

    private static async Task SetThresholdAsync(
        HttpContext context, string model, ServingState state, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        if (!await AdmitAsync(context, model, state, options.Value).ConfigureAwait(false))
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
                $"epsilon must be strictly between 0 and 1 (got {request?.Epsilon.ToString(CultureInfo.InvariantCulture) ?? "nothing"}).",
                false).ConfigureAwait(false);
            return;
        }

        var registry = grains.GetGrain<IModelRegistryGrain>(model);
        var previous = await registry.GetCurrentAsync().ConfigureAwait(false);
        if (previous is null)
        {
            await ProblemResponses.NotReadyAsync(context, stopping: false, options.Value.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var published = await registry.SetThresholdAsync(request.Epsilon).ConfigureAwait(false);
        await WriteJsonAsync(context, new ThresholdResponse(model, published.Threshold, previous.Threshold), KcmJsonContext.Default.ThresholdResponse)
            .ConfigureAwait(false);
    }

    private static async Task RollbackAsync(
        HttpContext context, string model, ServingState state, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        if (!await AdmitAsync(context, model, state, options.Value).ConfigureAwait(false))
        {
            return;
        }

        var (ok, request) = await ReadBodyAsync(context, KcmJsonContext.Default.RollbackRequest, allowEmpty: true).ConfigureAwait(false);
        if (!ok)
        {
            return;
        }

        var registry = grains.GetGrain<IModelRegistryGrain>(model);
        var current = await registry.GetCurrentAsync().ConfigureAwait(false);
        if (current is null)
        {
            await ProblemResponses.NotReadyAsync(context, stopping: false, options.Value.RetryAfterSeconds).ConfigureAwait(false);
            return;
        }

        var history = await registry.GetHistoryAsync().ConfigureAwait(false);
        if (Target(history, current, request?.Version) is not { } target)
        {
            var detail = request?.Version is { } asked
                ? $"No kept serving version has small model version {asked}; GET {KcmRoutes.ModelPath(model)} lists the kept ones."
                : $"No small model version older than the current one ({current.Small.Version}) is kept.";
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownVersion, "Unknown version", detail, false)
                .ConfigureAwait(false);
            return;
        }

        try
        {
            var serving = await registry.RollbackAsync(target.Version).ConfigureAwait(false);
            await WriteJsonAsync(context, new RollbackResponse(model, serving.Small.Version, current.Small.Version), KcmJsonContext.Default.RollbackResponse)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownVersion, "Unknown version", e.Message, false)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status409Conflict, ProblemCodes.CorruptVersion, "Version refused",
                e.Message + " The current version keeps serving.", false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The serving version to return to: the newest kept one whose small model is <paramref name="smallVersion"/>, or by
    /// default the newest whose small model is older than the current one. The wire names small model versions (as
    /// the model info and infer results do); the registry numbers serving versions.
    /// </summary>
    private static ServingVersion? Target(ServingVersion[] history, ServingVersion current, int? smallVersion)
    {
        ServingVersion? target = null;
        foreach (var kept in history)
        {
            var wanted = smallVersion is { } asked ? kept.Small.Version == asked : kept.Small.Version < current.Small.Version;
            if (wanted && kept.Version != current.Version && (target is null || kept.Version > target.Version))
            {
                target = kept;
            }
        }

        return target;
    }

    private static async Task DistillAsync(
        HttpContext context, string model, ServingState state, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        if (!await AdmitAsync(context, model, state, options.Value).ConfigureAwait(false))
        {
            return;
        }

        // A long call (training): the interface carries its own response timeout.
        var round = await grains.GetGrain<IDistillationGrain>(model).RunRoundAsync().ConfigureAwait(false);
        var response = new DistillResponse(
            model,
            round.Outcome == DistillationOutcome.Accepted,
            round.SmallVersion,
            round.CandidateVersion,
            round.SampleCount,
            round.CandidateCheckAccuracy,
            round.IncumbentCheckAccuracy,
            round.Detail,
            round.JudgeVersion,
            round.JudgeDetail);
        await WriteJsonAsync(context, response, KcmJsonContext.Default.DistillResponse).ConfigureAwait(false);
    }

    /// <summary>Authorizes, checks the model name and readiness; false after writing the refusal.</summary>
    private static async Task<bool> AdmitAsync(HttpContext context, string model, ServingState state, KcmSiloOptions options)
    {
        if (!await AdminAuthorization.AuthorizeAsync(context, options).ConfigureAwait(false))
        {
            return false;
        }

        if (!string.Equals(model, options.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, options.ModelName).ConfigureAwait(false);
            return false;
        }

        if (!state.IsReady)
        {
            await ProblemResponses.NotReadyAsync(context, state.IsStopping, options.RetryAfterSeconds).ConfigureAwait(false);
            return false;
        }

        return true;
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
