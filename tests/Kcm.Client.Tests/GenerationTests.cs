using Kcm.Abstractions.Generation;

namespace Kcm.Client.Tests;

[Collection(SiloCollection.Name)]
public sealed class GenerationTests(SiloFixture fixture)
{
    [Fact]
    public async Task Generate_StreamsEveryStepInOrder_ThenTheFinish()
    {
        var words = Enumerable.Range(0, 40).Select(i => "w" + i).ToArray();
        var steps = new List<GenerationStep>();

        await foreach (var step in fixture.Client.GenerateAsync("sotu", string.Join(' ', words), maxTokens: 40, mode: "adapt"))
        {
            steps.Add(step);
        }

        Assert.Equal(41, steps.Count);
        var tokens = steps.Take(40).Cast<GeneratedToken>().ToArray();
        Assert.Equal(Enumerable.Range(0, 40), tokens.Select(t => t.Index));
        Assert.Equal(words, tokens.Select(t => t.Text));
        var finished = Assert.IsType<GenerationFinished>(steps[^1]);
        Assert.Equal(40, finished.Tokens);
        Assert.Equal("adapt", finished.Mode);
        Assert.Equal("sotu", finished.Model);
    }

    [Fact]
    public async Task Generate_Refused_ThrowsTypedException_BeforeTheFirstToken()
    {
        var received = 0;

        var exception = await Assert.ThrowsAsync<KcmGenerationRefusedException>(async () =>
        {
            await foreach (var _ in fixture.Client.GenerateAsync("sotu", "refuse:overloaded"))
            {
                received++;
            }
        });

        Assert.Equal(0, received);
        Assert.Equal("overloaded", exception.Code);
        Assert.True(exception.Retriable);
        var invalid = await Assert.ThrowsAsync<KcmGenerationRefusedException>(async () =>
        {
            await foreach (var _ in fixture.Client.GenerateAsync("sotu", "refuse:invalid_request"))
            {
            }
        });
        Assert.False(invalid.Retriable);
    }

    [Fact]
    public async Task Generate_StoppedEarly_EndsTheStream()
    {
        var words = string.Join(' ', Enumerable.Range(0, 200).Select(i => "w" + i));
        using var cancellation = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in fixture.Client.GenerateAsync("sotu", words, maxTokens: 200, cancellationToken: cancellation.Token))
            {
                if (++received == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.InRange(received, 3, 199);
    }

    [Fact]
    public async Task Generate_BadArguments_ThrowNamingTheField()
    {
        var maxTokens = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
        {
            await foreach (var _ in fixture.Client.GenerateAsync("sotu", "x", maxTokens: 0))
            {
            }
        });
        Assert.Equal("maxTokens", maxTokens.ParamName);
        Assert.Equal(["main", "assistant"], (await fixture.Client.DescribeEnsembleAsync("sotu")).Members);
    }
}
