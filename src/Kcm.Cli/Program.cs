using System.CommandLine;
using Kcm.Cli.Commands;

// The kcm command line: each subcommand is one small type under Commands/.
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
