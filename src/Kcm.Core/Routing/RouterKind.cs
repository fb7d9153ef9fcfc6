namespace Kcm.Core.Routing;

/// <summary>The routers KCM can use; <see cref="KanJudge"/> is the default.</summary>
public enum RouterKind
{
    /// <summary>Max softmax of the KAN judge trained on the labels.</summary>
    KanJudge,

    /// <summary>Max softmax of an MLP judge trained on the labels (the baseline at equal parameters).</summary>
    MlpJudge,

    /// <summary>Max softmax of the small model itself.</summary>
    SmallSoftmax,

    /// <summary>P(small model right) from a KAN trained on the small model's correctness.</summary>
    SmallCorrectness,

    /// <summary>A uniform random score.</summary>
    Random,
}
