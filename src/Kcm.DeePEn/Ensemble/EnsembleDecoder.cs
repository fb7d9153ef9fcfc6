using Kcm.DeePEn.Models;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// The per-stream state of ensemble decoding: the main model keeps its own token ids and cache (each chosen token is
/// one more step), and each assistant is synced to the main model's decoded text (<see cref="TextSyncedDecoder"/>)
/// when its logits are first asked for after a step, so every member's next-token logits refer to the same text and
/// steps that use only the main model (gated fusion) skip the assistants; the next sync catches up. Not thread-safe.
/// </summary>
public sealed class EnsembleDecoder
{
    private readonly IReadOnlyList<EnsembleMember> _members;
    private readonly TextSyncedDecoder?[] _assistants;
    private readonly float[][] _logits;
    private readonly TimeSpan[] _memberTime;
    private readonly KeyValueCache _mainCache;
    private readonly List<int> _mainTokens = [];
    private string? _text;
    private bool _assistantsBehind;

    public EnsembleDecoder(IReadOnlyList<EnsembleMember> members, int mainModel)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegative(mainModel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mainModel, members.Count);
        _members = members;
        MainModel = mainModel;
        _assistants = new TextSyncedDecoder?[members.Count];
        _logits = new float[members.Count][];
        _memberTime = new TimeSpan[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            _assistants[i] = i == mainModel ? null : new TextSyncedDecoder(members[i]);
            _logits[i] = [];
        }

        _mainCache = members[mainModel].Model.CreateCache();
    }

    public int MainModel { get; }

    public EnsembleMember Main => _members[MainModel];

    public IReadOnlyList<int> MainTokens => _mainTokens;

    /// <summary>The main model's tokens as text, without a trailing incomplete UTF-8 sequence (the assistants see this).</summary>
    /// <remarks>Decoded on first use after a step, so steps that run no assistant (mode main, a closed gate) decode nothing.</remarks>
    public string Text => _text ??= TextOf(_members[MainModel].Tokenizer, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_mainTokens));

    /// <summary>Tokens the assistants have run so far, summed (the incremental sync's work).</summary>
    public long AssistantTokensRun => _assistants.Sum(a => a?.TokensRun ?? 0);

    /// <summary>Time spent running the main model, summed over every step.</summary>
    public TimeSpan MainModelTime { get; private set; }

    /// <summary>Time spent keeping the assistants in step (re-tokenising and running them), summed over every step.</summary>
    public TimeSpan AssistantTime { get; private set; }

    /// <summary>Time spent running member <paramref name="member"/> (the main model's steps, or an assistant's syncs), summed over every step.</summary>
    public TimeSpan MemberTime(int member) => _memberTime[member];

    /// <summary>Starts a new text with the main model's prompt tokens (at least one).</summary>
    public void Start(ReadOnlySpan<int> mainPrompt)
    {
        if (mainPrompt.IsEmpty)
        {
            throw new ArgumentException("The prompt needs at least one token.", nameof(mainPrompt));
        }

        _mainTokens.Clear();
        _mainCache.Clear();
        foreach (var assistant in _assistants)
        {
            assistant?.Reset();
        }

        Advance(mainPrompt);
    }

    /// <summary>Appends one main-model token (the chosen or, under teacher forcing, the true one) and runs the main model; the assistants follow lazily.</summary>
    public void Append(int mainToken)
    {
        if (_mainTokens.Count == 0)
        {
            throw new InvalidOperationException("Start the text before appending tokens.");
        }

        Advance([mainToken]);
    }

    /// <summary>Member <paramref name="member"/>'s next-token logits after the current text, in its own vocabulary.</summary>
    /// <remarks>An assistant's first call after a step syncs every assistant to the current text.</remarks>
    public ReadOnlySpan<float> Logits(int member)
    {
        if (member != MainModel && _assistantsBehind)
        {
            SyncAssistants();
        }

        return _logits[member];
    }

    private void Advance(ReadOnlySpan<int> tokens)
    {
        var main = _members[MainModel];
        if (_mainTokens.Count + tokens.Length > main.Context)
        {
            throw new ArgumentException($"The text would be {_mainTokens.Count + tokens.Length} tokens, longer than {main.Name}'s context of {main.Context}.", nameof(tokens));
        }

        var ids = new long[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            ids[i] = tokens[i];
            _mainTokens.Add(tokens[i]);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        _logits[MainModel] = main.Model.NextTokenLogits(ids, _mainCache);
        var mainTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        MainModelTime += mainTime;
        _memberTime[MainModel] += mainTime;
        _text = null;
        _assistantsBehind = true;
    }

    /// <summary>
    /// Whether every assistant could read <paramref name="text"/> within its context (e.g. the text after a token about
    /// to be appended); the tokenisations are kept for the sync to that text.
    /// </summary>
    public bool AssistantsFit(string text)
    {
        foreach (var assistant in _assistants)
        {
            if (assistant is not null && !assistant.Fits(text))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Syncs every assistant to the current text now (otherwise done on the first assistant <see cref="Logits"/> call after a step).</summary>
    public void SyncAssistants()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < _assistants.Length; i++)
        {
            if (_assistants[i] is { } assistant)
            {
                var assistantStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                _logits[i] = assistant.NextTokenLogits(Text);
                _memberTime[i] += System.Diagnostics.Stopwatch.GetElapsedTime(assistantStarted);
            }
        }

        _assistantsBehind = false;
        AssistantTime += System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// The text the assistants see for main-model tokens: a byte-level or byte-fallback token can end inside a UTF-8
    /// sequence, whose decoded text then ends in U+FFFD, which is not text to continue; so the text is cut after the
    /// last complete character. Empty when the tokens hold no complete character yet (the assistants cannot run then).
    /// </summary>
    public static string TextOf(Tokenizers.BpeTokenizer tokenizer, ReadOnlySpan<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var text = tokenizer.Decode(tokens);
        var end = text.Length;
        while (end > 0 && text[end - 1] == '\uFFFD')
        {
            end--;
        }

        return end == text.Length ? text : text[..end];
    }
}
