namespace Kcm.Contracts;

/// <summary>Route templates of the silo's HTTP API, and the concrete paths a client calls.</summary>
public static class KcmRoutes
{
    /// <summary>The model served by the embedded default configuration.</summary>
    public const string DefaultModel = "fashion-mnist";

    public const string Model = "/v1/models/{model}";
    public const string Infer = "/v1/models/{model}/infer";
    public const string Threshold = "/v1/models/{model}/threshold";
    public const string Rollback = "/v1/models/{model}/rollback";
    public const string Distill = "/v1/models/{model}/distill";
    public const string Distillation = "/v1/models/{model}/distillation";
    public const string Generate = "/v1/models/{model}/generate";
    public const string Metrics = "/metrics";
    public const string Healthz = "/healthz";
    public const string Readyz = "/readyz";
    public const string OpenApi = "/openapi/v1.json";

    public static string ModelPath(string model) => "/v1/models/" + Uri.EscapeDataString(model);
    public static string InferPath(string model) => ModelPath(model) + "/infer";
    public static string ThresholdPath(string model) => ModelPath(model) + "/threshold";
    public static string RollbackPath(string model) => ModelPath(model) + "/rollback";
    public static string DistillPath(string model) => ModelPath(model) + "/distill";
    public static string DistillationPath(string model) => ModelPath(model) + "/distillation";
    public static string GeneratePath(string model) => ModelPath(model) + "/generate";
}
