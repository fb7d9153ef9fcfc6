using Kcm.Abstractions.Generation;

namespace Kcm.Grains.Tests.Generation;

/// <summary>A generation read to its end from the grain: its tokens and the one finish that closes it.</summary>
internal sealed record GrainGeneration(IReadOnlyList<GeneratedToken> Tokens, GenerationFinished Finished)
{
    public int[] TokenIds => [.. Tokens.Select(t => t.TokenId)];

    public string Text => string.Concat(Tokens.Select(t => t.Text));

    public static async Task<GrainGeneration> ReadAsync(IEnsembleGrain grain, GenerationPrompt prompt, CancellationToken cancellationToken = default)
    {
        var tokens = new List<GeneratedToken>();
        GenerationFinished? finished = null;
        await foreach (var step in grain.GenerateAsync(prompt, cancellationToken))
        {
            Assert.Null(finished);
            switch (step)
            {
                case GeneratedToken token:
                    tokens.Add(token);
                    break;
                case GenerationFinished finish:
                    finished = finish;
                    break;
                default:
                    Assert.Fail($"Unexpected step {step}.");
                    break;
            }
        }

        Assert.NotNull(finished);
        return new GrainGeneration(tokens, finished);
    }
}
