namespace Kcm.Core.Data;

/// <summary>How <see cref="CsvDatasetReader"/> reads a file: one label column and numeric feature columns.</summary>
public sealed record CsvDatasetOptions
{
    /// <summary>Zero-based index of the label column; a negative index counts from the end (-1 is the last column).</summary>
    /// <value>0 (the first column).</value>
    public int LabelColumn { get; init; }

    /// <summary>Whether the first line is a header: true, false, or null to detect it (a header has a cell that is not a number).</summary>
    /// <value>null (detect).</value>
    public bool? HasHeader { get; init; }

    /// <summary>The cell separator.</summary>
    /// <value>','.</value>
    public char Separator { get; init; } = ',';

    /// <summary>Number of classes; null means the largest label + 1. When given, every label must be below it.</summary>
    /// <value>null (inferred).</value>
    public int? ClassCount { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Separator is '.' or '-' or '+' or '"' or '\r' or '\n' || char.IsDigit(Separator) || char.IsLetter(Separator))
        {
            errors.Add($"{nameof(Separator)} '{Separator}' would be confused with a number or a line break");
        }

        if (ClassCount is < 1)
        {
            errors.Add($"{nameof(ClassCount)} must be at least 1 when given (was {ClassCount})");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid {nameof(CsvDatasetOptions)}: {string.Join("; ", errors)}.");
        }
    }
}
