using Spectre.Console;

namespace Kcm.Cli.Commands;

/// <summary>
/// Prints an evaluation's progress lines, time-stamped, on the calling thread (Progress&lt;T&gt; would post to the
/// thread pool and reorder lines).
/// </summary>
internal sealed class ConsoleProgress : IProgress<string>
{
    public void Report(string value) => AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] {value}");
}
