using Kcm.Cli.Commands;
using Spectre.Console;

namespace Kcm.Cli.Tests;

public sealed class ReportConsoleTests
{
    [Fact]
    public void Create_NotATerminal_WritesColouredMarkupAsPlainText()
    {
        var output = new StringWriter();

        ReportConsole.Create(output, terminal: false).MarkupLine("[bold red]alarm[/] [grey]12:00[/]");

        Assert.Equal("alarm 12:00", output.ToString().TrimEnd());
    }

    [Fact]
    public void WriteTable_LongCellInANarrowConsole_WrapsTheCellWithinTheWidthAndKeepsEveryHeaderWhole()
    {
        var output = new StringWriter();
        var console = ReportConsole.Create(output, terminal: false);
        console.Profile.Width = 60;
        var table = new Table().AddColumns("name", "small-softmax share", "kept versions");
        table.AddRow("check accuracy", "48.80 %", string.Join(", ", Enumerable.Range(2, 12).Select(v => $"v{v} 84.{v:00} %")));

        console.WriteTable(table);

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.All(lines, line => Assert.InRange(line.TrimEnd('\r').Length, 1, 60));
        var header = lines[1];
        Assert.Contains("│ name", header, StringComparison.Ordinal);
        Assert.Contains("small-softmax share", header, StringComparison.Ordinal);
        Assert.Contains("kept versions", header, StringComparison.Ordinal);
        // Every version's figure made it, wrapped over several lines.
        Assert.All(Enumerable.Range(2, 12), v => Assert.Contains($"84.{v:00}", output.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void WriteTable_HeadersWiderThanTheConsole_WidensForThatTableOnly()
    {
        var output = new StringWriter();
        var console = ReportConsole.Create(output, terminal: false);
        console.Profile.Width = 20;
        var table = new Table().AddColumns("teacher records", "small-softmax share");
        table.AddRow("4000", "50.43 %");

        console.WriteTable(table);

        var header = output.ToString().Split('\n')[1];
        Assert.Contains("│ teacher records │ small-softmax share │", header, StringComparison.Ordinal);
        Assert.Equal(20, console.Profile.Width);
    }
}
