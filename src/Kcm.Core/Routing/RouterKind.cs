namespace Kcm.Core.Routing;

/// <summary>The routers KCM can use (configuration names in <see cref="RouterKinds"/>); <see cref="KanJudge"/> is the default.</summary>
public enum RouterKind
{
    /// <summary>Max softmax of the KAN judge trained on the labels.</summary>
    KanJudge,

    /// <summary>Max softmax of an MLP judge trained on the labels (the baseline at equal parameters).</summary>
    MlpJudge,

    /// <summary>Max softmax of the KAN judge at a temperature fitted on the validation split.</summary>
    KanJudgeTemperature,

    /// <summary>P(small model right) from a KAN that reads the features and the small model's probabilities, trained on out-of-fold correctness.</summary>
    KanLogitJudge,

    /// <summary>The same target and inputs as <see cref="KanLogitJudge"/> for an MLP of equal parameters.</summary>
    MlpLogitJudge,

    /// <summary>P(the large model does not beat the small one) from a KAN that reads the features and the small model's probabilities.</summary>
    KanGainJudge,

    /// <summary>Max softmax of a KAN distilled from the large model's probabilities (on the seed and the unlabelled traffic).</summary>
    KanLargeJudge,

    /// <summary>The KAN judge's probability of the small model's answer.</summary>
    KanAgreement,

    /// <summary>The mean of the small model's and the KAN judge's probabilities of the small model's answer.</summary>
    KanEnsemble,

    /// <summary>The mean of the small model's and the MLP judge's probabilities of the small model's answer (KAN against MLP at equal parameters).</summary>
    MlpEnsemble,

    /// <summary>The large-distilled KAN's probability of the small model's answer: will the large model agree with it?</summary>
    KanLargeAgreement,

    /// <summary>The mean of the small model's and the large-distilled KAN's probabilities of the small model's answer.</summary>
    KanLargeEnsemble,

    /// <summary>An MLP of the KAN judge's parameters distilled from the large model like the KAN: its probability of the small model's answer.</summary>
    MlpLargeAgreement,

    /// <summary>Max softmax of the small model itself.</summary>
    SmallSoftmax,

    /// <summary>Max softmax of the small model at a temperature fitted on the validation split.</summary>
    SmallSoftmaxTemperature,

    /// <summary>P(small model right) from a KAN on the features alone, trained on out-of-fold correctness.</summary>
    SmallCorrectness,

    /// <summary>A uniform random score.</summary>
    Random,
}
