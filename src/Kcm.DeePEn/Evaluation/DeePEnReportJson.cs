using System.Text.Json;

namespace Kcm.DeePEn.Evaluation;

/// <summary>The report as JSON (snake_case names: models[].test_accuracy, modes.avg.accuracy, ...).</summary>
public static class DeePEnReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(DeePEnReport report) => JsonSerializer.Serialize(report, Options);
}
