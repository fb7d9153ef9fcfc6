namespace Kcm.Evaluation.Tests;

/// <summary>A hand-made evaluation report with known figures, for tests of what is drawn or printed from a report.</summary>
internal static class SampleReport
{
    public static readonly string[] Routers = ["kan_judge", "mlp_judge", "random", "small_correctness", "small_softmax"];

    public static EvaluationReport Create()
    {
        const double small = 0.80, large = 0.93;
        var routers = new SortedDictionary<string, RouterMetrics>(StringComparer.Ordinal);
        for (var r = 0; r < Routers.Length; r++)
        {
            // Concave curves from small-only to large-only accuracy, flatter for the later (worse) routers.
            var power = 1.0 + (r * 0.8);
            var curve = Enumerable.Range(0, 21)
                .Select(i => i / 20.0)
                .Select(share => new CurvePoint(share, small + ((large - small) * (1 - Math.Pow(1 - share, 3.0 / power)))))
                .ToList();
            routers[Routers[r]] = new RouterMetrics(0.8 - (r * 0.08), 0.2, 0.4, 0.6, curve);
        }

        var rounds = Enumerable.Range(0, 6)
            .Select(i => new DistillationRoundReport(
                i, i * 6_000, i * 4_000, Accepted: i != 3, small + (i * 0.008), 0.68 - (i * 0.05), 0.70 - (i * 0.07), 0.931 - (i * 0.0005), 0.68, i == 0 ? null : true, 0.81 + (i * 0.007), 0.79 + (i * 0.008)))
            .ToList();
        return new EvaluationReport(
            new DatasetSummary("train", "test", null, "large.onnx", 784, 10, 8_000, 2_000, 50_000, 3_000, 10_000, "identity", 0),
            new ModelSizes("mlp:784-64-10", 50_890, new Dictionary<string, RouterModelSize> { ["kan_judge"] = new("kan", 59_328), ["mlp_judge"] = new("mlp:784-75-10", 59_635) }, 20, 128, 2),
            new AccuracyFigure(small),
            new AccuracyFigure(large),
            new AccuracyFigure(0.81),
            new Dictionary<string, CalibratedPoint>
            {
                ["fixed_epsilon"] = new("fixed_epsilon", 0.98, "kan_judge", 0.98f, 0.67, 0.93, 0.932, 0.68, 0.931),
                ["accuracy_tolerance"] = new("accuracy_tolerance", 0.001, "kan_judge", 0.81f, 0.45, 0.931, 0.932, 0.46, 0.929),
                ["large_budget"] = new("large_budget", 0.3, "kan_judge", 0.76f, 0.30, 0.92, 0.932, 0.31, 0.917),
            },
            null,
            routers,
            Routers.ToDictionary(r => r, r => (double?)0.7),
            "kan_judge",
            "kan_judge",
            new DistillationReport("kan_judge", 0.98f, 4_000, rounds),
            12.5);
    }
}
