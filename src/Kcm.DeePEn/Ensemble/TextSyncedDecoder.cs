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
    private long[]? _pending;
    private string? _encodedText;
    private int[] _encodedTokens = [];

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
        _pending = null;
    }

    /// <summary>The member whose model and tokenizer this decoder runs.</summary>
    public EnsembleMember Member => _member;

    /// <summary>The logits of the last sync (empty before the first, and while a sync is pending).</summary>
    public float[] LastLogits => _lastLogits;

    /// <summary>The cache the tokens to run must be run against (by the caller of <see cref="TokensToRun"/>).</summary>
    internal KeyValueCache Cache => _cache;

    /// <summary>
    /// Whether <paramref name="text"/>'s tokens fit this member's context. The tokens are kept, so the sync to the same
    /// text (the next step's) does not tokenise it again.
    /// </summary>
    public bool Fits(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text).Length <= _member.Context;
    }

    /// <summary>The member's next-token logits after <paramref name="text"/> (tokenised with its own tokenizer).</summary>
    public float[] NextTokenLogits(string text)
    {
        var fresh = TokensToRun(text);
        return fresh is null ? _lastLogits : Accept(_member.Model.NextTokenLogits(fresh, _cache));
    }

    /// <summary>
    /// The first half of a sync, for callers that run the model themselves (several streams batched): re-tokenises
    /// <paramref name="text"/>, rolls the cache back to the longest common prefix with the tokens it holds, and returns
    /// the tokens to run after it against <see cref="Cache"/>, then to be given to <see cref="Accept"/>; null when the
    /// text is what was synced last, so <see cref="LastLogits"/> still hold.
    /// </summary>
    public long[]? TokensToRun(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = Encode(text);
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

        if (_pending is null && common == tokens.Length && common == _tokens.Count && _lastLogits.Length > 0)
        {
            return null;
        }

        // At least the last token is run, so its logits are fresh.
        var keep = Math.Min(common, tokens.Length - 1);
        _cache.Truncate(Math.Min(keep, _cache.Length));
        _tokens.RemoveRange(keep, _tokens.Count - keep);
        _lastLogits = [];
        var fresh = new long[tokens.Length - keep];
        for (var i = 0; i < fresh.Length; i++)
        {
            fresh[i] = tokens[keep + i];
        }

        _pending = fresh;
        TokensRun += fresh.Length;
        return fresh;
    }

    /// <summary>The second half of a sync: the next-token logits the model gave after running <see cref="TokensToRun"/>'s tokens.</summary>
    public float[] Accept(float[] nextTokenLogits)
    {
        ArgumentNullException.ThrowIfNull(nextTokenLogits);
        var fresh = _pending ?? throw new InvalidOperationException("No sync is pending: call TokensToRun first.");
        if (_cache.Length != _tokens.Count + fresh.Length)
        {
            throw new InvalidOperationException($"The cache holds {_cache.Length} tokens, the sync expected {_tokens.Count + fresh.Length}: run exactly the tokens TokensToRun returned.");
        }

        foreach (var token in fresh)
        {
            _tokens.Add((int)token);
        }

        _pending = null;
        _lastLogits = nextTokenLogits;
        return nextTokenLogits;
    }

    // The last text tokenised and its tokens (tokenising is a pure function of the text).
    private int[] Encode(string text)
    {
        if (!string.Equals(text, _encodedText, StringComparison.Ordinal))
        {
            _encodedTokens = _member.Tokenizer.Encode(text);
            _encodedText = text;
        }

        return _encodedTokens;
    }
}
