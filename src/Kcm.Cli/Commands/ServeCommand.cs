using System.CommandLine;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Commands;

/// <summary>`kcm serve`: starts a silo serving the embedded Fashion-MNIST pipeline (and the shipped ensemble for generation) until Ctrl+C.</summary>
internal static class ServeCommand
{
    /// <summary>The shipped State of the Union ensemble, served for generation when it exists.</summary>
    public const string DefaultEnsembleManifest = "models/sotu-ensemble.json";

    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Where the silo listens, e.g. http://127.0.0.1:8080 (several separated by ';').",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        var adminToken = new Option<string?>("--admin-token")
        {
            Description = "Bearer token of the admin API (threshold, rollback, distill); without it the admin API is disabled. Also Kcm__AdminToken.",
        };
        var ensemble = new Option<string?>("--ensemble")
        {
            Description = $"Ensemble manifest served at POST /v1/models/<name>/generate; default {DefaultEnsembleManifest} when it exists, 'none' for no ensemble. Also Kcm__Ensemble__Manifest.",
        };
        var command = new Command(
            "serve",
            "Start a silo serving the model 'fashion-mnist' (judge and small model trained at first start and cached, shipped ONNX large model), "
            + "and generation with the DeePEn ensemble of --ensemble. "
            + "Other settings pass through as --Kcm:<Name>=<value> (see docs/serving.md).")
        {
            urls,
            adminToken,
            ensemble,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, _) =>
        {
            var args = new List<string> { "--urls=" + parseResult.GetValue(urls) };
            if (parseResult.GetValue(adminToken) is { Length: > 0 } token)
            {
                args.Add("--Kcm:AdminToken=" + token);
            }

            if (EnsembleManifest(parseResult.GetValue(ensemble), parseResult.UnmatchedTokens) is { } manifest)
            {
                args.Add("--Kcm:Ensemble:Manifest=" + manifest);
            }

            args.AddRange(parseResult.UnmatchedTokens);
            await using var silo = SiloHost.CreateEmbedded([.. args]);
            try
            {
                // The host handles Ctrl+C and SIGTERM itself and stops gracefully (draining the large model queue).
                await silo.RunAsync();
            }
            catch (EnsembleStartException e)
            {
                Console.Error.WriteLine("serve: " + e.Message);
                return 1;
            }

            return 0;
        });
        return command;
    }

    /// <summary>The manifest to serve: the option's, else the shipped one when it exists and nothing else sets it; null for none.</summary>
    private static string? EnsembleManifest(string? option, IReadOnlyList<string> passedThrough)
    {
        if (option is { Length: > 0 })
        {
            return string.Equals(option, "none", StringComparison.OrdinalIgnoreCase) ? null : option;
        }

        var setElsewhere = passedThrough.Any(token => token.StartsWith("--Kcm:Ensemble:Manifest", StringComparison.OrdinalIgnoreCase))
            || Environment.GetEnvironmentVariable("Kcm__Ensemble__Manifest") is { Length: > 0 };
        return !setElsewhere && File.Exists(SiloPaths.Resolve(DefaultEnsembleManifest)) ? DefaultEnsembleManifest : null;
    }
}
