using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Client.Tests.Fakes;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class ClassifyTests(SiloFixture fixture)
{
    [Fact]
    public async Task Classify_RoundTrip_ReturnsTheJudgesAnswer()
    {
        var model = GrainScripts.NewKey("round-trip");
        ClassifyBatch? seen = null;
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, argument) =>
        {
            seen = (ClassifyBatch)argument!;
            return Task.FromResult<object?>(Results.Completed(seen));
        });
        float[] features = [0.25f, 1, 2, 0.75f, 3, 4, 0.5f, 5, 6];

        var result = await fixture.Client.ClassifyAsync(model, features, rows: 3, returnProbabilities: true);

        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal([0, 1, 2], result.Labels);
        Assert.Equal([SampleRoute.Small, SampleRoute.Large, SampleRoute.Small], result.Routes);
        Assert.Equal([0.25f, 0.75f, 0.5f], result.Confidences);
        Assert.Equal(30, result.Probabilities.Length);
        Assert.Equal(7, result.SmallModelVersion);
        Assert.Equal([null, HintUse.Used, null], Enumerable.Range(0, 3).Select(result.HintOf));
        Assert.NotNull(seen);
        Assert.Equal(features, seen.Features);
        Assert.Equal(3, seen.Rows);
        Assert.True(seen.ReturnProbabilities);
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
    }

    [Fact]
    public void HintOf_LargeRowsOfABatchWhoseHintWasNotRead_AreUnused_SmallRowsNull()
    {
        var result = new ClassifyResult(
            ClassifyStatus.Completed, [1, 2], [SampleRoute.Large, SampleRoute.Small], [0.4f, 0.99f], [], false, 3, 0.98, -1, "");

        Assert.Equal(HintUse.Unused, result.HintOf(0));
        Assert.Null(result.HintOf(1));
    }

    public static TheoryData<ClassifyStatus, Type, bool, int> Refusals => new()
    {
        { ClassifyStatus.Overloaded, typeof(KcmOverloadedException), true, -1 },
        { ClassifyStatus.DeadlineExceeded, typeof(KcmUnavailableException), true, -1 },
        { ClassifyStatus.ShuttingDown, typeof(KcmUnavailableException), true, -1 },
        { ClassifyStatus.NotReady, typeof(KcmUnavailableException), true, -1 },
        { ClassifyStatus.InvalidInput, typeof(KcmInvalidInputException), false, -1 },
        { ClassifyStatus.NonFiniteOutput, typeof(KcmInvalidInputException), false, 2 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Classify_EachStatus_MapsToItsTypedException_WithoutRetry(ClassifyStatus status, Type expected, bool retriable, int row)
    {
        var model = GrainScripts.NewKey("status");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => Task.FromResult<object?>(ClassifyResult.Refused(status, "because", row)));

        var exception = await Assert.ThrowsAnyAsync<KcmException>(() => fixture.Client.ClassifyAsync(model, [1, 2, 3, 4], rows: 2));

        Assert.IsType(expected, exception);
        Assert.Equal(retriable, exception.Retriable);
        Assert.Contains("because", exception.Message, StringComparison.Ordinal);
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
        switch (exception)
        {
            case KcmUnavailableException unavailable:
                Assert.Equal(status, unavailable.Status);
                break;
            case KcmInvalidInputException invalid:
                Assert.Equal(status, invalid.Status);
                Assert.Equal(row, invalid.Row);
                break;
        }
    }

    [Fact]
    public async Task Classify_Cancelled_StopsWaitingLongBeforeTheResponseTimeout()
    {
        var model = GrainScripts.NewKey("cancel");
        GrainScripts.Set(model, FakeJudgeGrain.Classify, (_, _) => GrainScripts.NeverAsync());
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Client.ClassifyAsync(model, [1, 2], rows: 1, cancellationToken: cancellation.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.Equal(1, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
    }

    [Fact]
    public async Task Classify_BadArguments_ThrowNamingTheField_BeforeAnyCall()
    {
        var model = GrainScripts.NewKey("arguments");

        Assert.Equal("rows", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Client.ClassifyAsync(model, [1, 2], rows: 0))).ParamName);
        Assert.Equal("features", (await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.ClassifyAsync(model, [1, 2, 3], rows: 2))).ParamName);
        Assert.Equal("features", (await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.ClassifyAsync(model, [], rows: 1))).ParamName);
        var nonFinite = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.ClassifyAsync(model, [1, 2, 3, float.NaN], rows: 2));
        Assert.Equal("features", nonFinite.ParamName);
        Assert.Contains("row 1, feature 1", nonFinite.Message, StringComparison.Ordinal);
        Assert.Equal("features", (await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.ClassifyAsync(model, [float.PositiveInfinity], rows: 1))).ParamName);
        Assert.Equal("features", (await Assert.ThrowsAsync<ArgumentNullException>(() => fixture.Client.ClassifyAsync(model, null!, rows: 1))).ParamName);
        Assert.Equal("model", (await Assert.ThrowsAsync<ArgumentException>(() => fixture.Client.ClassifyAsync("", [1], rows: 1))).ParamName);
        Assert.Equal(0, GrainScripts.CallsOf(model, FakeJudgeGrain.Classify));
    }
}
