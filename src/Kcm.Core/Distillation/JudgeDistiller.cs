using Kcm.Core.Data;
using Kcm.Core.Training;

namespace Kcm.Core.Distillation;

/// <summary>
/// Distils the same teacher records into the judge, so its confidence rises where the large model is confidently
/// right and fewer samples are sent to the large model at a fixed epsilon. Same loss and guard as
/// <see cref="SmallModelDistiller"/>, without the judge KL term: a judge learning from its own past outputs learns nothing new.
/// </summary>
public sealed class JudgeDistiller : IClassifierDistiller
{
    private readonly SmallModelDistiller _distiller;

    /// <summary>Uses <paramref name="options"/> with <see cref="DistillationOptions.JudgeWeight"/> set to 0.</summary>
    public JudgeDistiller(DistillationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _distiller = new SmallModelDistiller(options with { JudgeWeight = 0f });
    }

    public DistillationOptions Options => _distiller.Options;

    /// <summary>One round: train a judge candidate on <paramref name="records"/>, then accept or reject it on <paramref name="checkSet"/>.</summary>
    public DistillationResult Distill(
        ITrainableClassifier judge, IReadOnlyList<TeacherRecord> records, Dataset checkSet, CancellationToken cancellationToken = default)
        => _distiller.Distill(judge, records, checkSet, cancellationToken);
}
