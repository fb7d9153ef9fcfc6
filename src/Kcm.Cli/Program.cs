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
    DeepenCommand.Create(),
    EvalEnsembleCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
