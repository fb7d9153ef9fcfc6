using System.Text.Json;
using Kcm.Abstractions.Distillation;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The model's distillation figures (public, read-only), from its distillation grain.</summary>
internal static class DistillationEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(KcmRoutes.Distillation, GetDistillationAsync)
            .WithName("GetDistillation")
            .WithSummary("The model's distillation rounds by outcome and the teacher records they used since the distillation grain activated.")
            .Produces<DistillationInfo>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task GetDistillationAsync(
        HttpContext context, string model, ServingState state, IGrainFactory grains, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (!string.Equals(model, settings.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, settings.ModelName).ConfigureAwait(false);
            return;
        }

        var status = await grains.GetGrain<IDistillationGrain>(model).GetStatusAsync().ConfigureAwait(false);
        // Records queued = those the rounds used plus those still waiting (the embedded silo's queue is its own).
        var info = new DistillationInfo(
            model, status.RoundsAccepted, status.RoundsRejected, status.RoundsFailed, status.RoundsEmpty,
            status.RecordsConsumed + state.TeacherRecordsWaiting, status.RecordsConsumed);
        context.Response.ContentType = KcmMediaTypes.Json;
        await JsonSerializer.SerializeAsync(context.Response.Body, info, KcmJsonContext.Default.DistillationInfo, context.RequestAborted).ConfigureAwait(false);
    }
}
