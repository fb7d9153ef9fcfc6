namespace Kcm.Core.Routing;

/// <summary>Configuration names of <see cref="RouterKind"/>: "kan-judge", "mlp-judge", "small-softmax", "small-correctness", "random".</summary>
public static class RouterKinds
{
    public static IReadOnlyList<RouterKind> All { get; } = Enum.GetValues<RouterKind>();

    public static string Name(RouterKind kind) => kind switch
    {
        RouterKind.KanJudge => "kan-judge",
        RouterKind.MlpJudge => "mlp-judge",
        RouterKind.SmallSoftmax => "small-softmax",
        RouterKind.SmallCorrectness => "small-correctness",
        RouterKind.Random => "random",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown router."),
    };

    /// <summary>Reads a configuration name (case-insensitive); false for an unknown one.</summary>
    public static bool TryParse(string? text, out RouterKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(Name(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = RouterKind.KanJudge;
        return false;
    }
}
