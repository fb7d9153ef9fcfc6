using System.Text.Json;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Http;

/// <summary>The distillation figures of this silo (public, read-only; every role answers it).</summary>
internal static class DistillationEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(KcmRoutes.Distillation, GetDistillationAsync)
            .WithName("GetDistillation")
            .WithSummary("This silo's distillation rounds by outcome and teacher records queued and used since it started.")
            .Produces<DistillationInfo>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task GetDistillationAsync(HttpContext context, string model, DistillationTally tally, IOptions<KcmSiloOptions> options)
    {
        var settings = options.Value;
        if (!string.Equals(model, settings.ModelName, StringComparison.Ordinal))
        {
            await ProblemResponses.UnknownModelAsync(context, model, settings.ModelName).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = KcmMediaTypes.Json;
        await JsonSerializer.SerializeAsync(context.Response.Body, tally.Read(settings.ModelName), KcmJsonContext.Default.DistillationInfo, context.RequestAborted)
            .ConfigureAwait(false);
    }
}
