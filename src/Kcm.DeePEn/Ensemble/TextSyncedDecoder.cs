using Kcm.DeePEn.Models;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// Keeps an assistant model in step with a growing text, as the reference implementation does by re-tokenising the
/// whole text at every step, but without recomputing the whole prefix: the new tokenisation is compared with the
/// tokens the cache already holds, the cache is rolled back to the longest common prefix, and only the tokens after it
/// are run. The logits are therefore those of a full recomputation on the re-tokenised text.
/// </summary>
public sealed class TextSyncedDecoder
{
    private readonly EnsembleMember _member;
    private readonly KeyValueCache _cache;
    private readonly List<int> _tokens = [];
    private float[] _lastLogits = [];

    public TextSyncedDecoder(EnsembleMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        _member = member;
        _cache = member.Model.CreateCache();
    }

    /// <summary>The tokens of the text last synced to.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    /// <summary>Tokens run through the model so far (a full recomputation would run every prefix's tokens each step).</summary>
    public long TokensRun { get; private set; }

    /// <summary>Forgets the text and empties the cache.</summary>
    public void Reset()
    {
        _tokens.Clear();
        _cache.Clear();
        _lastLogits = [];
    }

    /// <summary>The member's next-token logits after <paramref name="text"/> (tokenised with its own tokenizer).</summary>
    public float[] NextTokenLogits(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = _member.Tokenizer.Encode(text);
        if (tokens.Length == 0)
        {
            throw new ArgumentException("The text gives no tokens: an assistant needs at least one token of context.", nameof(text));
        }

        if (tokens.Length > _member.Context)
        {
            throw new ArgumentException($"The text is {tokens.Length} tokens for {_member.Name}, longer than its context of {_member.Context}.", nameof(text));
        }

        var common = 0;
        while (common < tokens.Length && common < _tokens.Count && tokens[common] == _tokens[common])
        {
            common++;
        }

        if (common == tokens.Length && common == _tokens.Count && _lastLogits.Length > 0)
        {
            return _lastLogits;
        }

        // At least the last token is run, so its logits are fresh.
        var keep = Math.Min(common, tokens.Length - 1);
        _cache.Truncate(keep);
        _tokens.RemoveRange(keep, _tokens.Count - keep);
        var fresh = new long[tokens.Length - keep];
        for (var i = 0; i < fresh.Length; i++)
        {
            fresh[i] = tokens[keep + i];
            _tokens.Add(tokens[keep + i]);
        }

        TokensRun += fresh.Length;
        _lastLogits = _member.Model.NextTokenLogits(fresh, _cache);
        return _lastLogits;
    }
}
