using System.Diagnostics.Metrics;
using Kcm.Contracts;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The silo's metrics through OpenTelemetry: the grains' <c>kcm_</c> instruments (meter <see cref="KcmMeterName"/>),
/// Orleans' own (meter <see cref="OrleansMeterName"/>: the <c>orleans_</c> series), the .NET runtime's and ASP.NET
/// Core's, served at <see cref="KcmRoutes.Metrics"/> by the Prometheus exporter.
/// </summary>
internal static class SiloMetrics
{
    /// <summary>The grains' meter (the <c>kcm_</c> instruments).</summary>
    public const string KcmMeterName = Kcm.Grains.Telemetry.KcmInstruments.MeterName;

    /// <summary>The Orleans runtime's meter.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    private const string TextFormat = "text/plain; version=0.0.4";

    public static void Add(IServiceCollection services)
    {
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) => metrics.AddView(OnlyThisHost(provider.GetRequiredService<IMeterFactory>())));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(KcmMeterName, OrleansMeterName)
            .AddRuntimeInstrumentation()
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter(prometheus =>
            {
                // Every scrape collects afresh (the default caches 300 ms), so a scrape right after a request shows it.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                // Series keep exactly the labels the instruments give (no otel_scope_* labels) and no target_info
                // series is added: Prometheus' target labels already name the silo.
                prometheus.ScopeInfoEnabled = false;
                prometheus.TargetInfoEnabled = false;
            }));
    }

    public static void MapScrapeEndpoint(IEndpointRouteBuilder routes) =>
        routes.MapPrometheusScrapingEndpoint(KcmRoutes.Metrics, meterProvider: null, pipeline => pipeline.Use(AskForTextFormat), optionsName: null);

    /// <summary>Lists the scrape endpoint in the OpenAPI document (it is not a minimal-API endpoint, so it is not found).</summary>
    public static void Document(OpenApiDocument document)
    {
        document.Paths[KcmRoutes.Metrics] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "Metrics",
                    Summary = "Prometheus exposition of the kcm_, orleans_, .NET runtime and ASP.NET Core metrics (OpenTelemetry's Prometheus exporter).",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "OK",
                            Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() },
                        },
                    },
                },
            },
        };
    }

    /// <summary>
    /// Answers every scrape in the Prometheus text format 0.0.4. Prometheus 2.x asks for OpenMetrics first, and given it
    /// stores each counter's and histogram's <c>_created</c> sample as a series of its own (<c>kcm_requests_created</c>,
    /// ...) and files counters under their name without <c>_total</c>; the text format keeps the exposition as before.
    /// </summary>
    private static Task AskForTextFormat(HttpContext context, RequestDelegate next)
    {
        context.Request.Headers.Accept = TextFormat;
        return next(context);
    }

    /// <summary>
    /// Drops instruments of meters that are not this host's: those another host's <see cref="IMeterFactory"/> made, and
    /// <see cref="KcmMeterName"/> meters made outside any host. Several silos in one process (tests,
    /// benchmarks) each export only their own figures.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> OnlyThisHost(IMeterFactory own) =>
        instrument => BelongsElsewhere(instrument.Meter, own) ? MetricStreamConfiguration.Drop : null;

    private static bool BelongsElsewhere(Meter meter, IMeterFactory own) =>
        meter.Scope is null ? meter.Name == KcmMeterName : !ReferenceEquals(meter.Scope, own);
}
