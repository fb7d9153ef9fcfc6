using System.CommandLine;

namespace Kcm.Cli.Commands;

/// <summary>`kcm demo`: the main job.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the main demo.");
        command.SetAction(_ =>
        {
            Console.WriteLine("demo: not yet implemented");
            return 1;
        });
        return command;
    }
}
