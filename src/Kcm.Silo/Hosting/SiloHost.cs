using Kcm.Cluster.Telemetry;
using Kcm.Contracts;
using Kcm.Grains.Ensemble;
using Kcm.Grains.Telemetry;
using Kcm.Metrics;
using Kcm.Silo.Embedded;
using Kcm.Silo.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Hosting;

/// <summary>
/// A KCM silo as a library: configuration (appsettings, environment, command line), the grains behind an
/// <see cref="IServingModelSource"/>, and the HTTP API. <c>Program.cs</c> and tests start it the same way and
/// dispose it when done.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiloHost(WebApplication app)
    {
        _app = app;
        Node = app.Services.GetRequiredService<ServingNode>();
        Options = app.Services.GetRequiredService<IOptions<KcmSiloOptions>>().Value;
    }

    public ServingNode Node { get; }

    public KcmSiloOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The addresses Kestrel listens on (after <see cref="StartAsync"/>; port 0 is resolved to the real port).</summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. (_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a))];

    /// <summary>
    /// Builds a silo from command-line style <paramref name="args"/> (e.g. <c>--urls</c>, <c>--Kcm:AdminToken=...</c>).
    /// <paramref name="configure"/> may add services, e.g. the <see cref="IServingModelSource"/>; throws
    /// <see cref="ArgumentException"/> naming every invalid setting.
    /// </summary>
    public static SiloHost Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // Defaults below every other source, so appsettings.json, environment and command line still override them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            },
        });
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection(KcmSiloOptions.SectionName).Get<KcmSiloOptions>() ?? new KcmSiloOptions();
        options.Validate();
        if (!builder.Services.Any(s => s.ServiceType == typeof(IServingModelSource)))
        {
            throw new InvalidOperationException($"No {nameof(IServingModelSource)} is registered: the silo has no models to serve.");
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<ServingNode>();
        builder.Services.AddSingleton<KcmInstruments>();
        builder.Services.AddSingleton<ClusterInstruments>();
        builder.Services.AddSingleton(_ => new PrometheusExporter(new PrometheusExporterOptions { MeterNamePrefix = KcmInstruments.MeterName }));
        builder.Services.AddHostedService<ServingStartup>();
        builder.Services.AddSingleton<EnsembleInstruments>();
        builder.Services.AddSingleton<EnsembleNode>();
        builder.Services.AddHostedService<EnsembleStartup>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, KcmJsonContext.Default);
            // Numbers are numbers: the readers refuse "0.5" for 0.5, so the OpenAPI document (generated from these
            // options) must not promise that strings are accepted.
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            // The wire is snake_case (KcmJsonContext); the document must name properties as the wire does.
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "KCM Serving silo";
            document.Info.Description =
                "Judge-routed serving of a small and a large model. Errors are application/problem+json with 'code' and 'retriable'.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.UseProblemStatusPages();
        // Instruments and exporter exist before the first request so /metrics lists every family from the start.
        app.Services.GetRequiredService<PrometheusExporter>();
        app.Services.GetRequiredService<KcmInstruments>();
        app.Services.GetRequiredService<ClusterInstruments>();
        app.Services.GetRequiredService<EnsembleInstruments>();
        if (!options.ParsedRoles.HasFlag(SiloRoles.Front))
        {
            // Only fronts answer inference; other roles keep health, readiness, metrics and the admin API.
            app.Use(RefuseInferenceAsync);
        }

        app.MapOpenApi(KcmRoutes.OpenApi.Replace("v1", "{documentName}", StringComparison.Ordinal));
        ServingEndpoints.Map(app);
        AdminEndpoints.Map(app);
        GenerateEndpoints.Map(app);
        app.MapGet(KcmRoutes.Metrics, WriteMetricsAsync)
            .WithName("Metrics")
            .WithSummary("Prometheus text exposition format 0.0.4 of the kcm_ metrics.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return new SiloHost(app);
    }

    /// <summary>The embedded default: the Fashion-MNIST pipeline (settings under <c>Kcm:Embedded</c>).</summary>
    public static SiloHost CreateEmbedded(string[] args) => Create(args, builder =>
    {
        var embedded = builder.Configuration.GetSection(EmbeddedModelOptions.SectionName).Get<EmbeddedModelOptions>() ?? new EmbeddedModelOptions();
        embedded.Validate();
        builder.Services.AddSingleton(embedded);
        builder.Services.AddSingleton<IServingModelSource, FashionMnistModelSource>();
    });

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Runs until the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task RunAsync() => _app.RunAsync();

    /// <summary>Waits until every model is loaded; throws when loading failed or the timeout passed.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Node.IsReady)
        {
            if (Node.StartFailure is { } failure)
            {
                throw new InvalidOperationException("The silo could not load its models: " + failure.Message, failure);
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The silo was not ready within {timeout}.");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Task RefuseInferenceAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (HttpMethods.IsPost(context.Request.Method) && path.StartsWithSegments("/v1/models", StringComparison.Ordinal)
            && path.Value!.EndsWith("/infer", StringComparison.Ordinal))
        {
            var roles = context.RequestServices.GetRequiredService<IOptions<KcmSiloOptions>>().Value.Roles;
            return ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.NotAFront, "Not a front",
                $"This silo's roles are '{roles}'; send inference requests to a front.", false);
        }

        return next(context);
    }

    private static Task WriteMetricsAsync(HttpContext context, PrometheusExporter exporter)
    {
        context.Response.ContentType = PrometheusExporter.ContentType;
        return exporter.WriteAsync(context.Response.Body, context.RequestAborted);
    }
}
