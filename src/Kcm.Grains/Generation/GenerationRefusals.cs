using Kcm.Abstractions.Generation;
using Kcm.Contracts;

namespace Kcm.Grains.Generation;

/// <summary>
/// The <see cref="GenerationRefusedException"/>s a generation can get before its first token, with the HTTP API's
/// problem codes (the HTTP layer maps them: mode_unavailable 409, overloaded/shutting_down/not_ready 503,
/// unknown_model 404, the rest 400).
/// </summary>
internal static class GenerationRefusals
{
    public static GenerationRefusedException Invalid(string code, string detail) => new(code, detail, retriable: false);

    public static GenerationRefusedException ModeUnavailable(string ensemble, string mode) =>
        new(ProblemCodes.ModeUnavailable,
            $"Ensemble '{ensemble}' cannot run mode '{mode}': its manifest has no adaptive weights (run ./kcm eval-ensemble to measure them).",
            retriable: false);

    public static GenerationRefusedException Overloaded(string detail) => new(ProblemCodes.Overloaded, detail, retriable: true);

    public static GenerationRefusedException ShuttingDown() =>
        new(ProblemCodes.ShuttingDown, "The silo's ensemble is shutting down; retry on another silo.", retriable: true);

    public static GenerationRefusedException NotReady() =>
        new(ProblemCodes.NotReady, "The silo's ensemble is still loading; retry shortly.", retriable: true);

    public static GenerationRefusedException UnknownModel(string requested, string? served) =>
        new(ProblemCodes.UnknownModel,
            served is null
                ? $"No ensemble named '{requested}' generates here: this silo serves no ensemble ({EnsembleOptions.SectionName}:{nameof(EnsembleOptions.Manifest)} is unset)."
                : $"No ensemble named '{requested}' generates here; the ensemble served is '{served}'.",
            retriable: false);
}
