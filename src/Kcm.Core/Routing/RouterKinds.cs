namespace Kcm.Core.Routing;

/// <summary>Configuration names of <see cref="RouterKind"/>, e.g. "kan-judge", "kan-logit-judge", "small-softmax", "random".</summary>
public static class RouterKinds
{
    public static IReadOnlyList<RouterKind> All { get; } = Enum.GetValues<RouterKind>();

    /// <summary>Routers that are judges: trained models other than the small model itself, and not random.</summary>
    public static bool IsJudge(RouterKind kind) => kind is not (RouterKind.SmallSoftmax or RouterKind.SmallSoftmaxTemperature or RouterKind.Random);

    public static string Name(RouterKind kind) => kind switch
    {
        RouterKind.KanJudge => "kan-judge",
        RouterKind.MlpJudge => "mlp-judge",
        RouterKind.KanJudgeTemperature => "kan-judge-t",
        RouterKind.KanLogitJudge => "kan-logit-judge",
        RouterKind.MlpLogitJudge => "mlp-logit-judge",
        RouterKind.KanGainJudge => "kan-gain-judge",
        RouterKind.KanLargeJudge => "kan-large-judge",
        RouterKind.KanAgreement => "kan-agreement",
        RouterKind.KanEnsemble => "kan-ensemble",
        RouterKind.MlpEnsemble => "mlp-ensemble",
        RouterKind.KanLargeAgreement => "kan-large-agreement",
        RouterKind.KanLargeEnsemble => "kan-large-ensemble",
        RouterKind.MlpLargeAgreement => "mlp-large-agreement",
        RouterKind.SmallSoftmax => "small-softmax",
        RouterKind.SmallSoftmaxTemperature => "small-softmax-t",
        RouterKind.SmallCorrectness => "small-correctness",
        RouterKind.Random => "random",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown router."),
    };

    /// <summary>Reads a configuration name (case-insensitive; '_' may stand for '-'); false for an unknown one.</summary>
    public static bool TryParse(string? text, out RouterKind kind)
    {
        var name = text?.Trim().Replace('_', '-');
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = RouterKind.KanJudge;
        return false;
    }
}
