using Kcm.Client;
using Kcm.Contracts;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>A generation read to its end through the SDK: the token events and the done event.</summary>
internal sealed record GenerationStreams(IReadOnlyList<GenerationToken> Tokens, GenerationDone Done)
{
    public int[] TokenIds => [.. Tokens.Select(t => t.TokenId)];

    public string Text => string.Concat(Tokens.Select(t => t.Text));

    public static async Task<GenerationStreams> ReadAsync(KcmClient client, string model, GenerateRequest request, CancellationToken cancellationToken = default)
    {
        var tokens = new List<GenerationToken>();
        GenerationDone? done = null;
        await foreach (var item in client.GenerateStreamAsync(model, request, cancellationToken))
        {
            Assert.Null(done);
            switch (item)
            {
                case GenerationToken token:
                    tokens.Add(token);
                    break;
                case GenerationDone finished:
                    done = finished;
                    break;
            }
        }

        Assert.NotNull(done);
        return new GenerationStreams(tokens, done);
    }
}
