using System.Text.Json;

namespace Kcm.Evaluation;

/// <summary>The report's JSON form: snake_case property names, indented.</summary>
public static class EvaluationJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string Serialize(EvaluationReport report) => JsonSerializer.Serialize(report, Options);

    public static EvaluationReport? Deserialize(string json) => JsonSerializer.Deserialize<EvaluationReport>(json, Options);
}
