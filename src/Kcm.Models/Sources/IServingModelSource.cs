using Kcm.Models.Distillation;
using Kcm.Models.Large;

namespace Kcm.Models.Sources;

/// <summary>Where one served model's parts come from: its first judge and small model, its large model and its distillation trainers.</summary>
public interface IServingModelSource
{
    /// <summary>
    /// The first judge and small model of <paramref name="modelName"/> in the model store: the newest stored versions
    /// that verify, or, when a series has none, models trained now and stored. Slow the first time (training).
    /// </summary>
    Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken);

    /// <summary>Opens one instance (session) of the large model; fails clearly when its provider cannot run here.</summary>
    ILargeModel OpenLargeModel();

    /// <summary>The small model's distillation trainer (its check set is loaded at the first round).</summary>
    DistillationTrainer CreateSmallModelTrainer();

    /// <summary>The judge's distillation trainer, sharing the small model trainer's replay window.</summary>
    DistillationTrainer CreateJudgeTrainer();

    /// <summary>Chooses the serving threshold for a small model and judge on this model's calibration rows.</summary>
    ThresholdCalibrator Calibrator { get; }
}
