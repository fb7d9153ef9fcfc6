namespace Kcm.DeePEn.Evaluation;

/// <summary>Running counts of one model's or mode's next-word continuations.</summary>
public sealed class NextWordTally
{
    private readonly List<bool> _outcomes = [];

    /// <summary>Whether each prompt was right, in the order added (for paired comparisons on the same prompts).</summary>
    public IReadOnlyList<bool> Outcomes => _outcomes;

    public int Prompts { get; private set; }

    public int Correct { get; private set; }

    public long Tokens { get; private set; }

    public long FusedSteps { get; private set; }

    /// <summary>Steps after each prompt's first (whose time includes running the prompt).</summary>
    public long StepsAfterPrompt { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public TimeSpan ElapsedAfterPrompt { get; private set; }

    public double Accuracy => Prompts == 0 ? 0 : (double)Correct / Prompts;

    /// <summary>sqrt(p (1 - p) / n): the binomial standard error of <see cref="Accuracy"/>.</summary>
    public double StandardError => Prompts == 0 ? 0 : Math.Sqrt(Accuracy * (1 - Accuracy) / Prompts);

    /// <summary>Generated tokens per second of decoding wall time, the prompts' forward passes included.</summary>
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? Tokens / Elapsed.TotalSeconds : 0;

    /// <summary>Mean time of a step after the first, i.e. one more token once the prompt has been run.</summary>
    public double MillisecondsPerTokenAfterPrompt => StepsAfterPrompt == 0 ? 0 : ElapsedAfterPrompt.TotalMilliseconds / StepsAfterPrompt;

    public double FusedStepShare => Tokens == 0 ? 0 : (double)FusedSteps / Tokens;

    /// <summary>Prompts this tally got right and <paramref name="other"/> (on the same prompts) got wrong.</summary>
    public int RightWhereWrong(NextWordTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Prompts != Prompts)
        {
            throw new ArgumentException($"Paired counts need the same prompts ({Prompts} and {other.Prompts}).", nameof(other));
        }

        var count = 0;
        for (var i = 0; i < _outcomes.Count; i++)
        {
            count += _outcomes[i] && !other._outcomes[i] ? 1 : 0;
        }

        return count;
    }

    public void Add(WordContinuation continuation, string target)
    {
        var correct = string.Equals(continuation.Word, target, StringComparison.Ordinal);
        _outcomes.Add(correct);
        Prompts++;
        Correct += correct ? 1 : 0;
        Tokens += continuation.Tokens;
        FusedSteps += continuation.FusedSteps;
        StepsAfterPrompt += Math.Max(0, continuation.Tokens - 1);
        Elapsed += continuation.Elapsed;
        ElapsedAfterPrompt += continuation.StepsAfterPrompt;
    }
}
