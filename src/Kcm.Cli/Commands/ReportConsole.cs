using Spectre.Console;
using Spectre.Console.Rendering;

namespace Kcm.Cli.Commands;

/// <summary>
/// The console the commands write to. On a terminal: Spectre's own detection (colours, width, live displays). Otherwise
/// (output redirected to a file, a pipe or a CI log): plain text with no ANSI escape codes or cursor movement, lines up
/// to <see cref="RedirectedWidth"/> wide. Tables go out whole through <see cref="WriteTable"/>.
/// </summary>
internal static class ReportConsole
{
    /// <summary>Line width when output is not a terminal: wide enough for the demo's live descriptions on one line.</summary>
    public const int RedirectedWidth = 140;

    public static IAnsiConsole Create(TextWriter output, bool terminal)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (terminal)
        {
            return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        }

        // Spectre decides on ANSI from TERM alone on Linux, so a redirected stream would get escape codes unless told.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = RedirectedWidth;
        return console;
    }

    /// <summary>The console for standard output: plain when standard output is redirected.</summary>
    public static IAnsiConsole ForStandardOutput() => Create(Console.Out, terminal: !Console.IsOutputRedirected);

    /// <summary>
    /// Writes a table with every column header whole on one line and no word split, wrapping cells where the console is
    /// too narrow for the table. Spectre alone shrinks the widest columns without regard to their headers (it cuts
    /// "small-softmax share" to "small-…" at 80 columns), so when the table does not fit this lays it out itself:
    /// each column gets its header's width (or its longest word, if wider), the room left goes to the columns whose
    /// cells want more, in proportion; a console narrower than the headers need is widened for this table only.
    /// The columns' widths are fixed on the table as a result.
    /// </summary>
    public static void WriteTable(this IAnsiConsole console, Table table)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(table);
        var options = RenderOptions.Create(console);
        var columns = table.Columns;
        var floors = new int[columns.Count];
        var wants = new int[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var cells = table.Rows.Select(row => row[i].Measure(options, int.MaxValue)).ToList();
            floors[i] = Math.Max(columns[i].Header.Measure(options, int.MaxValue).Max, cells.Count == 0 ? 0 : cells.Max(c => c.Min));
            wants[i] = Math.Max(floors[i], cells.Count == 0 ? 0 : cells.Max(c => c.Max));
        }

        var chrome = (table.Border.Visible ? columns.Count + 1 : 0) + columns.Sum(c => (c.Padding?.Left ?? 0) + (c.Padding?.Right ?? 0));
        var room = console.Profile.Width - chrome;
        var width = console.Profile.Width;
        if (wants.Sum() > room)
        {
            var extra = Math.Max(0, room - floors.Sum());
            var lack = wants.Sum() - floors.Sum();
            for (var i = 0; i < columns.Count; i++)
            {
                columns[i].Width = floors[i] + (lack == 0 ? 0 : (int)((long)extra * (wants[i] - floors[i]) / lack));
            }

            console.Profile.Width = Math.Max(width, columns.Sum(c => c.Width!.Value) + chrome);
        }

        try
        {
            console.Write(table);
        }
        finally
        {
            console.Profile.Width = width;
        }
    }
}
