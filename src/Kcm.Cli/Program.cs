using System.CommandLine;
using Kcm.Cli.Commands;
using Spectre.Console;

// The kcm command line: each subcommand is one small type under Commands/. Output redirected to a file is plain text.
AnsiConsole.Console = ReportConsole.ForStandardOutput();
var root = new RootCommand("KCM Serving: a small and a large model served as one system, routed by a KAN judge.")
{
    DemoCommand.Create(),
    EvalCommand.Create(),
    ServeCommand.Create(),
    ClusterCommand.Create(),
    ClusterSiloCommand.Create(),
    DeepenCommand.Create(),
    EvalEnsembleCommand.Create(),
};
var parse = root.Parse(args);
// `kcm serve` and a cluster silo run a host that stops gracefully on SIGTERM and Ctrl+C itself (drains requests for up to
// Kcm:ShutdownTimeoutSeconds, leaves the cluster, sends its teacher buffer), and `kcm demo` stops the cluster it started;
// System.CommandLine would cut that off after 2 s with exit code 143. Other commands keep System.CommandLine's handling
// (their cancellation token).
var ownSignals = parse.CommandResult.Command.Name is ServeCommand.Name or ClusterSiloCommand.Name or DemoCommand.Name;
return await parse.InvokeAsync(ownSignals ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null);
