using Kcm.Contracts;
using Kcm.Grains.Generation;
using Kcm.Grains.Hosting;
using Kcm.Placement;
using Kcm.Silo.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace Kcm.Silo.Hosting;

/// <summary>
/// A KCM silo as a library: one Orleans silo (roles, ports and clustering from configuration) and, in the same process,
/// the HTTP API calling its grains through <see cref="IGrainFactory"/>. <c>Program.cs</c>, the CLI and tests start it
/// the same way and dispose it when done.
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    /// <summary>How long a silo whose start failed part-way gets to stop the lifecycle stages that did start.</summary>
    private static readonly TimeSpan FailedStartStopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private bool _startFailed;

    private SiloHost(WebApplication app, SiloEndpoints endpoints)
    {
        _app = app;
        Endpoints = endpoints;
        Options = app.Services.GetRequiredService<IOptions<KcmSiloOptions>>().Value;
        State = app.Services.GetRequiredService<ServingState>();
    }

    /// <summary>The host's settings (validated).</summary>
    public KcmSiloOptions Options { get; }

    /// <summary>This silo's serving state: ready, stopping, load failure, routing figures.</summary>
    public ServingState State { get; }

    /// <summary>The Orleans ports this silo uses (zeros of the configuration resolved).</summary>
    public SiloEndpoints Endpoints { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The grain factory of this silo (for in-process callers such as tests and the demo).</summary>
    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// The addresses the HTTP API listens on (after <see cref="StartAsync"/>; port 0 is resolved to the real port). The
    /// dashboard's address is not among them: see <see cref="DashboardAddress"/>.
    /// </summary>
    public IReadOnlyList<Uri> Addresses =>
        [.. ServerAddresses().Where(a => Endpoints.DashboardPort is not { } port || a.Port != port)];

    /// <summary>The Orleans dashboard (<c>http://127.0.0.1:port/dashboard/</c>) when it is on, else null.</summary>
    public Uri? DashboardAddress => Endpoints.DashboardPort is { } port
        ? new Uri($"http://127.0.0.1:{port}{DashboardPortFilter.PathPrefix}/")
        : null;

    /// <summary>
    /// Builds a silo from command-line style <paramref name="args"/> (e.g. <c>--urls</c>, <c>--Kcm:AdminToken=...</c>,
    /// <c>--Kcm:Roles=gpu,cpu</c>). <paramref name="configure"/> may add configuration and services before the silo is
    /// shaped. Throws <see cref="ArgumentException"/> naming every invalid setting.
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
                ["Logging:LogLevel:Orleans"] = "Warning",
                // Orleans' placement runs through a Polly pipeline that logs every attempt at Information.
                ["Logging:LogLevel:Polly"] = "Warning",
            },
        });
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection(KcmSiloOptions.SectionName).Get<KcmSiloOptions>() ?? new KcmSiloOptions();
        options.Validate();
        var orleans = options.Orleans;
        if (orleans.Kubernetes && KubernetesHosting.Problem(builder.Configuration) is { } kubernetesProblem)
        {
            throw new ArgumentException("Invalid silo configuration: " + kubernetesProblem);
        }

        var endpoints = new SiloEndpoints(
            LoopbackPorts.Resolve(orleans.SiloPort),
            LoopbackPorts.Resolve(orleans.GatewayPort),
            orleans.DashboardPort is { } dashboard ? LoopbackPorts.Resolve(dashboard) : null);

        builder.UseOrleans(silo =>
        {
            ClusterShape.Apply(silo, options, endpoints, builder.Configuration);
            if (orleans.Kubernetes)
            {
                // After the clustering: it may have set an address, and the pod's own must be advertised.
                KubernetesHosting.Use(silo);
            }

            if (orleans.Tls.IsConfigured)
            {
                ClusterTls.Apply(silo, orleans.Tls);
            }

            silo.AddIncomingGrainCallFilter<AdminCallFilter>();
            silo.AddKcmPlacement(options.Roles);
            silo.AddKcmServing(builder.Configuration);
            silo.AddKcmEnsemble(builder.Configuration);
            if (endpoints.DashboardPort is not null)
            {
                silo.AddDashboard();
            }
        });

        // The web server is added last (WebApplicationBuilder puts it after every other hosted service), so it starts
        // after the silo and stops before it: a stop first drains in-flight requests, whose grain calls still work.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        if (endpoints.DashboardPort is { } dashboardPort)
        {
            builder.WebHost.UseUrls([.. ConfiguredUrls(builder), $"http://127.0.0.1:{dashboardPort}"]);
        }

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<ServingState>();
        builder.Services.AddSingleton<ServedModel>();
        SiloMetrics.Add(builder.Services);
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
                "Judge-routed serving of a small and a large model on an Orleans silo. Errors are application/problem+json with 'code' and 'retriable'.";
            SiloMetrics.Document(document);
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.UseDashboardPortFilter(endpoints.DashboardPort);
        app.UseProblemStatusPages();
        app.MapOpenApi(KcmRoutes.OpenApi.Replace("v1", "{documentName}", StringComparison.Ordinal));
        ServingEndpoints.Map(app);
        AdminEndpoints.Map(app);
        DistillationEndpoints.Map(app);
        GenerateEndpoints.Map(app);
        SiloMetrics.MapScrapeEndpoint(app);
        if (endpoints.DashboardPort is not null)
        {
            app.MapOrleansDashboard(routePrefix: DashboardPortFilter.PathPrefix);
        }

        return new SiloHost(app, endpoints);
    }

    /// <summary>The embedded default: the Fashion-MNIST pipeline (settings under <c>Kcm</c> and <c>Kcm:Embedded</c>) on one silo.</summary>
    public static SiloHost CreateEmbedded(string[] args) => Create(args);

    /// <summary>
    /// Starts the silo, then the HTTP API. A model that fails to load while the silo starts surfaces as an
    /// <see cref="InvalidOperationException"/> carrying the load failure, not as the lifecycle's own exception.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _startFailed = true;
            if (State.LoadFailure is { } failure && !ReferenceEquals(failure, e))
            {
                throw LoadFailed(failure);
            }

            throw;
        }
    }

    /// <summary>Runs until the process is asked to stop (Ctrl+C, SIGTERM); throws as <see cref="StartAsync"/> when the start fails.</summary>
    public async Task RunAsync()
    {
        await StartAsync().ConfigureAwait(false);
        await _app.WaitForShutdownAsync().ConfigureAwait(false);
    }

    /// <summary>Waits until this silo serves a version; throws when loading failed or the timeout passed.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var until = DateTime.UtcNow + timeout;
        while (!State.IsReady)
        {
            if (State.LoadFailure is { } failure)
            {
                throw LoadFailed(failure);
            }

            if (State.IsStopping)
            {
                throw new InvalidOperationException("The silo stopped before it was ready.");
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The silo was not ready within {timeout}.");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static InvalidOperationException LoadFailed(Exception failure) =>
        new("The silo could not load its models: " + failure.Message, failure);

    /// <summary>
    /// Stops the HTTP API (draining in-flight requests), then the silo. After a failed start the host is not stopped the
    /// normal way: Orleans refuses to stop a silo that never ran, while the lifecycle stages it did start keep running
    /// (the grain directory spins on every core). So those stages are stopped through the lifecycle itself, with a short
    /// timeout; the hosted services after the silo never started.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_startFailed)
        {
            try
            {
                await _app.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        var logger = _app.Services.GetRequiredService<ILogger<SiloHost>>();
        await StopStartedStagesAsync().ConfigureAwait(false);
        try
        {
            // Disposing the silo after its stages stopped waits for a termination signal that only Orleans' own stop
            // gives, which refused to run: bounded, the rest of the disposal is left to the process's end.
            await _app.DisposeAsync().AsTask().WaitAsync(FailedStartStopTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogDebug("The silo's disposal after its failed start did not finish; its stages are stopped.");
        }
    }

    private async Task StopStartedStagesAsync()
    {
        using var timeout = new CancellationTokenSource(FailedStartStopTimeout);
        try
        {
            // A stage may ignore the token: the wait is bounded either way.
            await _app.Services.GetRequiredService<ISiloLifecycleSubject>().OnStop(timeout.Token)
                .WaitAsync(FailedStartStopTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _app.Services.GetRequiredService<ILogger<SiloHost>>().LogWarning(e, "Stopping the silo after its failed start did not finish cleanly.");
        }
    }

    private IEnumerable<Uri> ServerAddresses() =>
        (_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []).Select(a => new Uri(a));

    /// <summary>The HTTP addresses configured before the dashboard's is added (urls, then HTTP ports, then Kestrel's default).</summary>
    private static string[] ConfiguredUrls(WebApplicationBuilder builder)
    {
        if (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (builder.WebHost.GetSetting(WebHostDefaults.HttpPortsKey) is { Length: > 0 } ports)
        {
            return [.. ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")];
        }

        return ["http://localhost:5000"];
    }
}
