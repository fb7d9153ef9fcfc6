using System.Runtime.CompilerServices;
using Kcm.Abstractions.Generation;
using Orleans.Concurrency;

namespace Kcm.Client.Tests.Fakes;

/// <summary>
/// An ensemble that streams one token per word of the prompt ("w0 w1 ..."), then the finish; a prompt starting with
/// "refuse:" is refused before the first token with the code after the colon.
/// </summary>
[Reentrant]
public sealed class FakeEnsembleGrain : Grain, IEnsembleGrain
{
    public async IAsyncEnumerable<GenerationStep> GenerateAsync(
        GenerationPrompt prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (prompt.Prompt.StartsWith("refuse:", StringComparison.Ordinal))
        {
            var code = prompt.Prompt["refuse:".Length..];
            throw new GenerationRefusedException(code, $"refused: {code}", retriable: code == "overloaded");
        }

        var words = prompt.Prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var count = Math.Min(words.Length, prompt.MaxTokens);
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new GeneratedToken(i, i + 100, words[i], Fused: i % 2 == 0, ChangedByFusion: false, 1, 0.5, 0.3, 0.2);
        }

        yield return new GenerationFinished(string.Join(' ', words[..count]), count, "length", (count + 1) / 2, 0.5, 100, 10, prompt.Mode, this.GetPrimaryKeyString());
    }

    public Task<EnsembleDescription> DescribeAsync() => Task.FromResult(new EnsembleDescription(this.GetPrimaryKeyString(), ["main", "assistant"]));
}
