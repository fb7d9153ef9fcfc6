using Kcm.Grains.Ensemble;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>Stop strings cut the streamed text exactly where a cut of the whole text would, however the text is split into pieces.</summary>
public sealed class StopStringFilterTests
{
    [Theory]
    [InlineData("Hello world. Bye", new[] { "." }, "Hello world")]
    [InlineData("Hello world. Bye", new[] { "ld. B" }, "Hello wor")]
    [InlineData("aaab", new[] { "aab" }, "a")]
    [InlineData("abcabd", new[] { "abd", "cab" }, "ab")]
    [InlineData("no stop here", new[] { "xyz", "herex" }, "no stop here")]
    [InlineData("ends with a partial sto", new[] { "stop" }, "ends with a partial sto")]
    public void Append_EverySplitOfTheText_ReleasesTheTextBeforeTheFirstStop(string text, string[] stops, string expected)
    {
        // Every way of cutting the text into two or three pieces, including empty ones.
        for (var first = 0; first <= text.Length; first++)
        {
            for (var second = first; second <= text.Length; second++)
            {
                var filter = new StopStringFilter(stops);
                string[] pieces = [text[..first], text[first..second], text[second..]];
                var released = "";
                for (var i = 0; i < pieces.Length && !filter.Stopped; i++)
                {
                    released += filter.Append(pieces[i], final: i == pieces.Length - 1);
                }

                Assert.Equal(expected, released);
                Assert.Equal(expected, filter.Released);
                Assert.Equal(expected.Length < text.Length, filter.Stopped);
            }
        }
    }

    [Fact]
    public void Append_TailThatCouldBeginAStop_IsHeldBackUntilTheNextPieceDecides()
    {
        var filter = new StopStringFilter(["\n\n"]);

        Assert.Equal("Dear", filter.Append("Dear\n", final: false));
        Assert.Equal("\nfriends", filter.Append("friends", final: false));
        Assert.Equal("", filter.Append("\n", final: false));
        Assert.Equal("", filter.Append("\nmore", final: false));
        Assert.True(filter.Stopped);
        Assert.Equal("Dear\nfriends", filter.Released);
        Assert.Equal("", filter.Append("after", final: true));
    }

    [Fact]
    public void Append_NoStops_ReleasesEveryPieceAtOnce()
    {
        var filter = new StopStringFilter(null);

        Assert.Equal("a\n", filter.Append("a\n", final: false));
        Assert.Equal("b", filter.Append("b", final: false));
        Assert.False(filter.Stopped);
    }
}
