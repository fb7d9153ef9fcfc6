using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kcm.DeePEn.Evaluation;

/// <summary>
/// The eval-ensemble report as JSON: models.&lt;name&gt;.next_word_accuracy, modes.&lt;mode&gt;.tokens_per_second, ...
/// Property names are snake_case; dictionary keys (model and mode names) are written as they are.
/// </summary>
public static class EnsembleEvaluationReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(EnsembleEvaluationReport report) => JsonSerializer.Serialize(report, Options);
}
