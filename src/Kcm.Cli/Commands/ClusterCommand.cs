using System.CommandLine;
using Kcm.Cli.Cluster;
using Kcm.Models.Sources;

namespace Kcm.Cli.Commands;

/// <summary>`kcm cluster up|down`: a local Orleans cluster of silo processes on loopback ports over Azurite (docs/cluster.md).</summary>
internal static class ClusterCommand
{
    public static Command Create() => new("cluster", "A local Orleans cluster: silo processes on this machine over Azurite (docs/cluster.md).")
    {
        CreateUp(),
        CreateDown(),
    };

    /// <summary>The --folder option both subcommands share.</summary>
    private static Option<string> FolderOption() => new("--folder")
    {
        Description = "The cluster's folder: state file, secrets (admin-token, storage-connection: mode 0600), Azurite's data, shared model store, "
            + "logs (relative paths are under the repository). Its name makes the cluster's Orleans cluster and service id.",
        DefaultValueFactory = _ => ClusterLayout.DefaultFolder,
    };

    private static Command CreateUp()
    {
        var silos = new Option<int>("--silos")
        {
            Description = "Silo processes: half gpu, half cpu,distiller (the default 4: two of each, so every role survives the loss of one); 1 has every role.",
            DefaultValueFactory = _ => ClusterPlan.DefaultSilos,
        };
        var readyTimeout = new Option<int>("--ready-timeout")
        {
            Description = "Seconds one silo may take to become ready (a first start trains the judge and small model).",
            DefaultValueFactory = _ => 600,
        };
        var port = new Option<int?>("--port")
        {
            Description = "The first of a block of loopback ports: Azurite's blob, queue, table, then HTTP, silo and gateway port of each silo "
                + "(distiller-k from port+6k-3, gpu-k from port+6k; one silo from port+3). Default: free ports chosen by the system.",
        };
        var tls = new Option<bool>("--tls")
        {
            Description = "Mutual TLS on every silo-to-silo and gateway connection, with an authority of the cluster's own: the certificate every silo "
                + "and local client presents is written to tls/ in the folder (mode 0600; kept across down and up) and a client without it cannot "
                + "call a grain. A running cluster keeps what it was started with.",
        };
        var folder = FolderOption();
        var dataSet = new DataSetArguments();
        var command = new Command(
            "up",
            "Start Azurite (if not running) and the missing silos, wait until every silo is ready, print their HTTP addresses and "
            + "gateways, and where the admin token and storage connection are (files of mode 0600 in the folder; never printed). "
            + "A second run only checks (or starts what has died). A second cluster runs side by side in another --folder. "
            + "--data and --large-model serve a data set of your own. Other settings pass to every silo as --Kcm:<Name>=<value>.")
        {
            silos,
            readyTimeout,
            port,
            tls,
            folder,
        };
        dataSet.AddTo(command);
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            IReadOnlyList<string> dataSettings;
            try
            {
                dataSettings = dataSet.Settings(parseResult);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("kcm cluster: " + e.Message).ConfigureAwait(false);
                return 2;
            }

            var options = new ClusterUpOptions(
                parseResult.GetValue(silos), TimeSpan.FromSeconds(parseResult.GetValue(readyTimeout)), [.. dataSettings, .. parseResult.UnmatchedTokens], parseResult.GetValue(port),
                parseResult.GetValue(tls));
            return await RunAsync(() => new ClusterUp(Layout(parseResult.GetValue(folder)!), Console.Out).RunAsync(options, cancellationToken)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateDown()
    {
        var grace = new Option<int>("--grace")
        {
            Description = "Seconds each silo gets to stop after SIGTERM before SIGKILL.",
            DefaultValueFactory = _ => 15,
        };
        var folder = FolderOption();
        var command = new Command("down", "Stop every silo of the local cluster, then Azurite (its data and the model store stay).")
        {
            grace,
            folder,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
            await RunAsync(() => new ClusterDown(Layout(parseResult.GetValue(folder)!), Console.Out)
                .RunAsync(TimeSpan.FromSeconds(parseResult.GetValue(grace)), cancellationToken)).ConfigureAwait(false));
        return command;
    }

    private static ClusterLayout Layout(string folder) => new(KcmPaths.Resolve(folder));

    /// <summary>Runs a cluster operation; a <see cref="ClusterException"/> is printed as one clear error, exit code 1.</summary>
    private static async Task<int> RunAsync(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
            return 0;
        }
        catch (ClusterException e)
        {
            await Console.Error.WriteLineAsync("kcm cluster: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
