using System.CommandLine;
using System.Globalization;
using Kcm.Grains.Generation;
using Kcm.Models.Sources;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kcm.Cli.Commands;

/// <summary>
/// `kcm serve`: starts the Orleans silo host (Kcm.Silo) serving the embedded pipeline, Fashion-MNIST or a user's data
/// set (<see cref="DataSetArguments"/>) (and the shipped
/// ensemble for generation) over HTTP and, for .NET services using the Kcm.Client SDK, on its Orleans gateway, until
/// Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The command's name.</summary>
    public const string Name = "serve";

    /// <summary>The shipped State of the Union ensemble, served for generation when it exists.</summary>
    public const string DefaultEnsembleManifest = "models/sotu-ensemble.json";

    /// <summary>The Orleans gateway port by default (Orleans' localhost default, which <c>KcmClientOptions.LocalGatewayPort</c> assumes).</summary>
    public const int DefaultGatewayPort = 30000;

    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where the HTTP API listens, e.g. http://127.0.0.1:8080 (several separated by ';').",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        var adminToken = new Option<string?>("--admin-token")
        {
            Description = "Bearer token of the HTTP admin API (threshold, rollback, distill); without it the HTTP admin API is disabled. Also Kcm__AdminToken.",
        };
        var ensemble = new Option<string?>("--ensemble")
        {
            Description = $"Ensemble manifest served at POST /v1/models/<name>/generate; default {DefaultEnsembleManifest} when it exists, 'none' for no ensemble. Also Kcm__Ensemble__Manifest.",
        };
        var gatewayPort = new Option<int?>("--gateway-port")
        {
            Description = $"Loopback port of the Orleans gateway the Kcm.Client SDK connects to (default {DefaultGatewayPort}; 0 picks a free one). Also Kcm__Orleans__GatewayPort.",
        };
        var dataSet = new DataSetArguments();
        var command = new Command(
            Name,
            "Start an Orleans silo serving the model 'fashion-mnist' (judge and small model trained at first start and cached, shipped ONNX large model) "
            + "or a data set of your own (--data with its --large-model), "
            + "and generation with the DeePEn ensemble of --ensemble, over HTTP (--urls) and to .NET services through the Orleans gateway (--gateway-port). "
            + "Other settings pass through as --Kcm:<Name>=<value> (see docs/serving.md).")
        {
            urls,
            adminToken,
            ensemble,
            gatewayPort,
        };
        dataSet.AddTo(command);
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, _) =>
        {
            var args = new List<string> { "--urls=" + parseResult.GetValue(urls) };
            try
            {
                args.AddRange(dataSet.Settings(parseResult));
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("serve: " + e.Message).ConfigureAwait(false);
                return 2;
            }

            if (parseResult.GetValue(adminToken) is { Length: > 0 } token)
            {
                args.Add("--Kcm:AdminToken=" + token);
            }

            if (parseResult.GetValue(gatewayPort) is { } port)
            {
                args.Add("--Kcm:Orleans:GatewayPort=" + port.ToString(CultureInfo.InvariantCulture));
            }

            if (EnsembleManifest(parseResult.GetValue(ensemble), parseResult.UnmatchedTokens) is { } manifest)
            {
                args.Add("--Kcm:Ensemble:Manifest=" + manifest);
            }

            args.AddRange(parseResult.UnmatchedTokens);
            return await RunAsync([.. args]).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>The manifest to serve: the option's, else the shipped one when it exists and nothing else sets it; null for none.</summary>
    internal static string? EnsembleManifest(string? option, IReadOnlyList<string> passedThrough)
    {
        if (option is { Length: > 0 })
        {
            return string.Equals(option, "none", StringComparison.OrdinalIgnoreCase) ? null : option;
        }

        var setElsewhere = passedThrough.Any(token => token.StartsWith("--Kcm:Ensemble:Manifest", StringComparison.OrdinalIgnoreCase))
            || Environment.GetEnvironmentVariable("Kcm__Ensemble__Manifest") is { Length: > 0 };
        return !setElsewhere && File.Exists(KcmPaths.Resolve(DefaultEnsembleManifest)) ? DefaultEnsembleManifest : null;
    }

    /// <summary>The line that tells where .NET services connect, printed once the silo has started.</summary>
    internal static string GatewayLine(SiloHost silo) => string.Create(
        CultureInfo.InvariantCulture,
        $"serve: Orleans gateway 127.0.0.1:{silo.Endpoints.GatewayPort} (silo port {silo.Endpoints.SiloPort}, cluster '{silo.Options.Orleans.ClusterId}', "
        + $"service '{silo.Options.Orleans.ServiceId}'): connect with Kcm.Client, KcmClientOptions.LocalGatewayPort = {silo.Endpoints.GatewayPort}; "
        + $"HTTP API at {string.Join(", ", silo.Addresses)}");

    private static async Task<int> RunAsync(string[] args)
    {
        SiloHost silo;
        try
        {
            silo = SiloHost.CreateEmbedded(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("serve: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        await using (silo.ConfigureAwait(false))
        {
            silo.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine(GatewayLine(silo)));
            try
            {
                // The host handles Ctrl+C and SIGTERM itself and stops gracefully (draining in-flight requests).
                await silo.RunAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (StartFailure(e) is { } reason)
            {
                await Console.Error.WriteLineAsync("serve: " + reason).ConfigureAwait(false);
                return 1;
            }
        }

        return 0;
    }

    /// <summary>Why the silo did not start, for people, when the failure is one a setting or a file explains (else null: a crash).</summary>
    private static string? StartFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is EnsembleLoadException)
            {
                return e.Message;
            }
        }

        return exception is InvalidOperationException or IOException ? exception.Message : null;
    }
}
