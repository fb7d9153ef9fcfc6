using Kcm.Contracts;
using Kcm.Silo.Http;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Keeps the Orleans dashboard on its own loopback port: that port answers only <see cref="PathPrefix"/>, and every other
/// port answers 404 there, so the dashboard (which has no authentication) never shows on the API's port.
/// </summary>
internal static class DashboardPortFilter
{
    public const string PathPrefix = "/dashboard";

    public static void UseDashboardPortFilter(this WebApplication app, int? dashboardPort) => app.Use((context, next) =>
    {
        var onDashboardPort = dashboardPort is { } port && context.Connection.LocalPort == port;
        if (onDashboardPort == context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        return ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found",
            onDashboardPort
                ? $"This port serves only the Orleans dashboard at {PathPrefix}/."
                : $"No endpoint at '{context.Request.Path}'; see /openapi/v1.json.", false);
    });
}
