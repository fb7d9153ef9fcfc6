using System.Globalization;

namespace Kcm.Cli.Commands;

/// <summary>How the evaluation commands' tables write figures: percentages with two decimals, other figures with three, "-" for none.</summary>
internal static class ReportCells
{
    public static string Percent(double value) => value.ToString("P2", CultureInfo.InvariantCulture);

    public static string Percent(double? value) => value is { } v ? Percent(v) : "-";

    public static string Number(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Number(double? value) => value is { } v ? Number(v) : "-";
}
