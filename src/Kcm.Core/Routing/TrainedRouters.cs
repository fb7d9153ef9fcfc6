using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;

namespace Kcm.Core.Routing;

/// <summary>
/// Every router <see cref="JudgeTraining"/> trained for one small model, as the parts needed to rebuild its scorer
/// when the small model changes (the logit and gain judges read the current small model's probabilities).
/// </summary>
public sealed class TrainedRouters
{
    internal TrainedRouters(
        KanClassifier kanJudge,
        MlpClassifier mlpJudge,
        float kanJudgeTemperature,
        float smallTemperature,
        KanClassifier logitJudge,
        MlpClassifier mlpLogitJudge,
        KanClassifier gainJudge,
        KanClassifier largeJudge,
        MlpClassifier mlpLargeJudge,
        KanClassifier correctnessJudge,
        int seed)
    {
        KanJudge = kanJudge;
        MlpJudge = mlpJudge;
        KanJudgeTemperature = kanJudgeTemperature;
        SmallTemperature = smallTemperature;
        LogitJudge = logitJudge;
        MlpLogitJudge = mlpLogitJudge;
        GainJudge = gainJudge;
        LargeJudge = largeJudge;
        MlpLargeJudge = mlpLargeJudge;
        CorrectnessJudge = correctnessJudge;
        Seed = seed;
    }

    /// <summary>KAN on the features, trained on the labels.</summary>
    public KanClassifier KanJudge { get; }

    /// <summary>MLP of about the KAN judge's parameters, trained on the labels.</summary>
    public MlpClassifier MlpJudge { get; }

    /// <summary>T fitted on validation for the KAN judge's softmax.</summary>
    public float KanJudgeTemperature { get; }

    /// <summary>T fitted on validation for the small model's softmax.</summary>
    public float SmallTemperature { get; }

    /// <summary>KAN on [features, small probabilities], 2 classes (1 = the small model is right).</summary>
    public KanClassifier LogitJudge { get; }

    /// <summary>MLP of about <see cref="LogitJudge"/>'s parameters, same inputs and target.</summary>
    public MlpClassifier MlpLogitJudge { get; }

    /// <summary>KAN on [features, small probabilities], 2 classes (1 = the large model does not beat the small one).</summary>
    public KanClassifier GainJudge { get; }

    /// <summary>KAN on the features, distilled from the large model's probabilities.</summary>
    public KanClassifier LargeJudge { get; }

    /// <summary>The MLP judge, distilled from the large model's probabilities like <see cref="LargeJudge"/>.</summary>
    public MlpClassifier MlpLargeJudge { get; }

    /// <summary>KAN on the features, 2 classes (1 = the small model is right).</summary>
    public KanClassifier CorrectnessJudge { get; }

    /// <summary>Seeds the random router.</summary>
    public int Seed { get; }

    /// <summary>
    /// The scorer of <paramref name="kind"/> over <paramref name="small"/> (the current small model); a distilled
    /// <paramref name="labelJudge"/> replaces the KAN judge (or the large-distilled judge) when given.
    /// </summary>
    public IConfidenceScorer Scorer(RouterKind kind, IClassifier small, IClassifier? labelJudge = null)
    {
        ArgumentNullException.ThrowIfNull(small);
        return kind switch
        {
            RouterKind.KanJudge => new MaxSoftmaxScorer(labelJudge ?? KanJudge),
            RouterKind.MlpJudge => new MaxSoftmaxScorer(MlpJudge),
            RouterKind.KanJudgeTemperature => new MaxSoftmaxScorer(labelJudge ?? KanJudge, KanJudgeTemperature),
            RouterKind.KanLogitJudge => new CorrectnessScorer(new SmallProbabilityJudge(small, LogitJudge)),
            RouterKind.MlpLogitJudge => new CorrectnessScorer(new SmallProbabilityJudge(small, MlpLogitJudge)),
            RouterKind.KanGainJudge => new CorrectnessScorer(new SmallProbabilityJudge(small, GainJudge)),
            RouterKind.KanLargeJudge => new MaxSoftmaxScorer(labelJudge ?? LargeJudge),
            RouterKind.KanAgreement => new AgreementScorer(small, labelJudge ?? KanJudge, ServingScore.JudgeAgreement),
            RouterKind.KanEnsemble => new AgreementScorer(small, labelJudge ?? KanJudge, ServingScore.Ensemble),
            RouterKind.MlpEnsemble => new AgreementScorer(small, MlpJudge, ServingScore.Ensemble),
            RouterKind.KanLargeAgreement => new AgreementScorer(small, labelJudge ?? LargeJudge, ServingScore.JudgeAgreement),
            RouterKind.KanLargeEnsemble => new AgreementScorer(small, labelJudge ?? LargeJudge, ServingScore.Ensemble),
            RouterKind.MlpLargeAgreement => new AgreementScorer(small, MlpLargeJudge, ServingScore.JudgeAgreement),
            RouterKind.SmallSoftmax => new MaxSoftmaxScorer(small),
            RouterKind.SmallSoftmaxTemperature => new MaxSoftmaxScorer(small, SmallTemperature),
            RouterKind.SmallCorrectness => new CorrectnessScorer(CorrectnessJudge),
            RouterKind.Random => new RandomScorer(small.InputSize, Seed),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown router."),
        };
    }

    /// <summary>The K-class KAN a router reads, which judge distillation can refine (null for the other routers).</summary>
    public KanClassifier? DistillableJudge(RouterKind kind) => kind switch
    {
        RouterKind.KanJudge or RouterKind.KanJudgeTemperature or RouterKind.KanAgreement or RouterKind.KanEnsemble => KanJudge,
        RouterKind.KanLargeJudge or RouterKind.KanLargeAgreement or RouterKind.KanLargeEnsemble => LargeJudge,
        _ => null,
    };

    /// <summary>Architecture and parameter count of each trained router model, by router.</summary>
    public IReadOnlyDictionary<RouterKind, (string Architecture, int Parameters)> Sizes() => new Dictionary<RouterKind, (string, int)>
    {
        [RouterKind.KanJudge] = (KanJudge.Architecture, KanJudge.Network.ParameterCount),
        [RouterKind.MlpJudge] = (MlpJudge.Architecture, MlpJudge.Network.ParameterCount),
        [RouterKind.KanLogitJudge] = (LogitJudge.Architecture, LogitJudge.Network.ParameterCount),
        [RouterKind.MlpLogitJudge] = (MlpLogitJudge.Architecture, MlpLogitJudge.Network.ParameterCount),
        [RouterKind.KanGainJudge] = (GainJudge.Architecture, GainJudge.Network.ParameterCount),
        [RouterKind.KanLargeJudge] = (LargeJudge.Architecture, LargeJudge.Network.ParameterCount),
        [RouterKind.MlpLargeAgreement] = (MlpLargeJudge.Architecture, MlpLargeJudge.Network.ParameterCount),
        [RouterKind.SmallCorrectness] = (CorrectnessJudge.Architecture, CorrectnessJudge.Network.ParameterCount),
    };
}
