using System.CommandLine;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Commands;

/// <summary>
/// `kcm cluster-silo` (hidden): one Orleans silo of the local cluster, as `kcm cluster up` starts it. Every token passes
/// through as host settings (--urls, --Kcm:...); `cluster up` gives roles, ports and the storage connection through the
/// environment (Kcm__Roles, ...). The host's shape comes from that configuration alone (src/Kcm.Silo).
/// </summary>
internal static class ClusterSiloCommand
{
    public const string Name = "cluster-silo";

    public static Command Create()
    {
        var command = new Command(Name, "One Orleans silo of the local cluster (started by kcm cluster up).") { Hidden = true };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, _) =>
        {
            SiloHost silo;
            try
            {
                silo = SiloHost.Create([.. parseResult.UnmatchedTokens]);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync(Name + ": " + e.Message).ConfigureAwait(false);
                return 2;
            }

            await using (silo.ConfigureAwait(false))
            {
                try
                {
                    await silo.RunAsync().ConfigureAwait(false);
                }
                catch (InvalidOperationException e)
                {
                    await Console.Error.WriteLineAsync(Name + ": " + e.Message).ConfigureAwait(false);
                    return 1;
                }
            }

            return 0;
        });
        return command;
    }
}
