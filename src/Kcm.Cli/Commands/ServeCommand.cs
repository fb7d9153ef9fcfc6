using System.CommandLine;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Commands;

/// <summary>`kcm serve`: starts a silo serving the embedded Fashion-MNIST pipeline until Ctrl+C.</summary>
internal static class ServeCommand
{
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
        var command = new Command(
            "serve",
            "Start a silo serving the model 'fashion-mnist' (judge and small model trained at first start and cached, shipped ONNX large model). "
            + "Other settings pass through as --Kcm:<Name>=<value> (see docs/serving.md).")
        {
            urls,
            adminToken,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, _) =>
        {
            var args = new List<string> { "--urls=" + parseResult.GetValue(urls) };
            if (parseResult.GetValue(adminToken) is { Length: > 0 } token)
            {
                args.Add("--Kcm:AdminToken=" + token);
            }

            args.AddRange(parseResult.UnmatchedTokens);
            await using var silo = SiloHost.CreateEmbedded([.. args]);
            // The host handles Ctrl+C and SIGTERM itself and stops gracefully (draining the large model queue).
            await silo.RunAsync();
            return 0;
        });
        return command;
    }
}
