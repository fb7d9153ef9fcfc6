using System.CommandLine;
using Kcm.Cli.Cluster;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Commands;

/// <summary>`kcm cluster up|down`: a local cluster of silo processes on loopback ports over a private RabbitMQ node.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "A local cluster of silo processes over RabbitMQ on this machine (docs/cluster.md).")
        {
            CreateUp(),
            CreateDown(),
        };
        return command;
    }

    /// <summary>The --folder option both subcommands share.</summary>
    private static Option<string> FolderOption() => new("--folder")
    {
        Description = "The cluster's folder: state file, shared model store, logs, broker data (relative paths are under the repository).",
        DefaultValueFactory = _ => ClusterLayout.DefaultFolder,
    };

    private static Command CreateUp()
    {
        var fronts = new Option<int>("--fronts") { Description = "Front silos (HTTP API, judge, small model).", DefaultValueFactory = _ => 1 };
        var large = new Option<int>("--large") { Description = "Large-model silos.", DefaultValueFactory = _ => 2 };
        var distillers = new Option<int>("--distillers") { Description = "Distiller silos (beyond the first: hot standbys).", DefaultValueFactory = _ => 1 };
        var readyTimeout = new Option<int>("--ready-timeout")
        {
            Description = "Seconds one silo may take to become ready (a first start trains the judge and small model).",
            DefaultValueFactory = _ => 600,
        };
        var folder = FolderOption();
        var command = new Command(
            "up",
            "Start RabbitMQ (if not running) and the missing silos, wait until every silo is ready, print their addresses. "
            + "A second run only checks (or starts what has died). Other settings pass to every silo as --Kcm:<Name>=<value>.")
        {
            fronts,
            large,
            distillers,
            readyTimeout,
            folder,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new ClusterUpOptions(
                parseResult.GetValue(fronts), parseResult.GetValue(large), parseResult.GetValue(distillers),
                TimeSpan.FromSeconds(parseResult.GetValue(readyTimeout)), [.. parseResult.UnmatchedTokens]);
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
        var command = new Command("down", "Stop every silo of the local cluster and its broker (the store and broker data stay).")
        {
            grace,
            folder,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
            await RunAsync(() => new ClusterDown(Layout(parseResult.GetValue(folder)!), Console.Out)
                .RunAsync(TimeSpan.FromSeconds(parseResult.GetValue(grace)), cancellationToken)).ConfigureAwait(false));
        return command;
    }

    private static ClusterLayout Layout(string folder) => new(SiloPaths.Resolve(folder));

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
