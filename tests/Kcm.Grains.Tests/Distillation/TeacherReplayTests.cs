using Kcm.Core.Distillation;
using Kcm.Models.Distillation;

namespace Kcm.Grains.Tests.Distillation;

public sealed class TeacherReplayTests
{
    [Fact]
    public void WithoutAWindow_ARoundSmallerThanTheLast_TrainsOnItsOwnRecordsAlone()
    {
        var replay = new TeacherReplay(() => [], 0);
        replay.RecordsFor(Records(0, 100));
        var small = Records(100, 30);

        Assert.Equal(small, replay.RecordsFor(small));
    }

    [Fact]
    public void AWindow_KeepsTheMostRecentRecords_UpToItsCapacity()
    {
        var replay = new TeacherReplay(() => [], 50);
        replay.RecordsFor(Records(0, 40));

        var composed = replay.RecordsFor(Records(40, 30));

        Assert.Equal(Enumerable.Range(20, 50), composed.Select(r => (int)r.Features[0]));
    }

    private static TeacherRecord[] Records(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => new TeacherRecord([i], [1f], null, null))];
}
