using Kcm.Core.Data;

namespace Kcm.Evaluation.Tests;

public sealed class EvaluationSplitsTests
{
    [Theory]
    [InlineData(600, 150, 10)]
    [InlineData(20_000, 4_000, 26)]
    public void Create_PartsAreDisjointCoverTheFilesAndFollowTheFractions(int trainRows, int testRows, int classes)
    {
        var train = Numbered(trainRows, classes, 0);
        var test = Numbered(testRows, classes, 1_000_000);
        var options = new EvaluationOptions();

        var splits = EvaluationSplits.Create(train, test, null, classes, options);

        var trainIds = new[] { splits.SeedTrain, splits.Validation, splits.Traffic }.SelectMany(Ids).ToList();
        var testIds = new[] { splits.Calibration, splits.Test }.SelectMany(Ids).ToList();
        Assert.Equal(trainRows, trainIds.Distinct().Count());
        Assert.Equal(trainRows, trainIds.Count);
        Assert.Equal(testRows, testIds.Distinct().Count());
        Assert.Equal(testRows, testIds.Count);
        var seed = Math.Max((int)Math.Round(0.2 * trainRows), EvaluationSplits.MinSeedTrainRows(classes) + EvaluationSplits.MinValidationRows(classes));
        Assert.Equal(seed, splits.SeedTrain.Count + splits.Validation.Count);
        Assert.Equal(Math.Max((int)Math.Round(0.2 * seed), EvaluationSplits.MinValidationRows(classes)), splits.Validation.Count);
        Assert.Equal(Math.Max((int)Math.Round(0.3 * testRows), EvaluationSplits.MinCalibrationRows), splits.Calibration.Count);
        // Stratified: every class is in the seed's training rows.
        Assert.Equal(classes, splits.SeedTrain.Labels.Distinct().Count());
    }

    [Fact]
    public void Create_WithACalibrationFile_ReportsEveryTestRow()
    {
        var splits = EvaluationSplits.Create(Numbered(1_000, 4, 0), Numbered(300, 4, 10_000), Numbered(80, 4, 20_000), 4, new EvaluationOptions());

        Assert.Equal(300, splits.Test.Count);
        Assert.Equal(80, splits.Calibration.Count);
        Assert.All(Ids(splits.Calibration), id => Assert.InRange(id, 20_000, 20_079));
    }

    [Fact]
    public void Create_TooSmallTestFile_NamesTheMinimums()
    {
        var error = Assert.Throws<ArgumentException>(() => EvaluationSplits.Create(Numbered(1_000, 4, 0), Numbered(90, 4, 10_000), null, 4, new EvaluationOptions()));

        Assert.Contains("at least 50 calibration and 50 test rows", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Rows whose single feature is a unique id, labels cycling through the classes.</summary>
    private static Dataset Numbered(int rows, int classes, int first) =>
        new(Enumerable.Range(first, rows).Select(i => (float)i).ToArray(), Enumerable.Range(0, rows).Select(i => i % classes).ToArray(), 1, classes);

    private static IEnumerable<int> Ids(Dataset data) => data.Features.Select(f => (int)f);
}
