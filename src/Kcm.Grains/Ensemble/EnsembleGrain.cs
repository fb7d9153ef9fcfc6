using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Ensemble;

/// <summary>
/// Serves one <see cref="EnsemblePool"/> (which it owns). Each generation gets its own <see cref="DeePEnEnsemble"/> and
/// decodes on the thread pool into a small bounded channel the caller reads, so a slow reader slows its own decoding
/// and a cancelled caller stops it at the next step. At most <see cref="EnsembleOptions.MaxConcurrentGenerations"/>
/// decode at once; a bounded number wait for a slot, the rest are refused.
/// </summary>
public sealed class EnsembleGrain : IEnsembleGrain, IAsyncDisposable
{
    private const int EventBuffer = 32;

    private readonly EnsemblePool _pool;
    private readonly EnsembleOptions _options;
    private readonly EnsembleInstruments _instruments;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly KeyValuePair<string, object?>[][] _memberTags;
    private readonly Lock _runningGate = new();
    private readonly HashSet<Task> _running = [];
    private int _active;
    private int _queued;
    private long _cancelled;
    private long _completed;

    public EnsembleGrain(EnsemblePool pool, EnsembleOptions options, EnsembleInstruments instruments, ILogger<EnsembleGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems("Ensemble:").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ensemble options: " + string.Join(" ", problems), nameof(options));
        }

        _pool = pool;
        _options = options;
        _instruments = instruments;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConcurrentGenerations, options.MaxConcurrentGenerations);
        MemberNames = [.. pool.Members.Select(m => m.Name)];
        _memberTags = [.. MemberNames.Select(member => new KeyValuePair<string, object?>[] { new("model", pool.Name), new("member", member) })];
        KeyValuePair<string, object?>[] modelTag = [new("model", pool.Name)];
        instruments.AddGauge("kcm_generations_active", "{generation}", "Generations decoding now, by model.", () => new(ActiveGenerations, modelTag));
        instruments.AddGauge("kcm_generations_queued", "{generation}", "Generations waiting for a decoding slot, by model.", () => new(QueuedGenerations, modelTag));
    }

    public string ModelName => _pool.Name;

    public IReadOnlyList<string> MemberNames { get; }

    public int ActiveGenerations => Volatile.Read(ref _active);

    public int QueuedGenerations => Volatile.Read(ref _queued);

    public long CancelledGenerations => Interlocked.Read(ref _cancelled);

    public long CompletedGenerations => Interlocked.Read(ref _completed);

    public async Task<GenerationStream> StartAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        GenerationPlan plan;
        try
        {
            plan = Validate(request);
            await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationRefusedException refusal)
        {
            _instruments.Generations.Add(1, new("model", ModelName), new("mode", Mode(request)), new("outcome", "refused"));
            _logger.LogDebug("Generation refused ({Code}): {Detail}", refusal.Code, refusal.Message);
            throw;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var events = Channel.CreateBounded<GenerationEvent>(new BoundedChannelOptions(EventBuffer) { SingleReader = true, SingleWriter = true });
        var stream = new GenerationStream(events.Reader, stop);
        Interlocked.Increment(ref _active);
        // Not given the token: a cancelled start must still run the method, which releases the slot.
        var decoding = Task.Run(() => DecodeAsync(plan, events.Writer, stop.Token), CancellationToken.None);
        stream.Decoding(decoding);
        lock (_runningGate)
        {
            _running.Add(decoding);
        }

        _ = decoding.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return stream;
    }

    /// <summary>Refuses new generations and stops the running ones at their next step (their streams end without a done event).</summary>
    public Task StopGenerationsAsync() => _stopping.CancelAsync();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task[] running;
        lock (_runningGate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        // The slots and the stopping token stay undisposed: a start racing this dispose may still release or read them.
        _pool.Dispose();
    }

    private static void Forget(Task decoding, object? grain)
    {
        var self = (EnsembleGrain)grain!;
        lock (self._runningGate)
        {
            self._running.Remove(decoding);
        }
    }

    private static string Mode(GenerateRequest? request) =>
        EnsembleModes.TryParse(request?.Mode ?? GenerationModes.Avg, out var mode) ? mode.Name() : "invalid";

    private static GenerationRefusedException Invalid(string code, string title, string detail) =>
        new(GenerationRefusal.InvalidRequest, code, title, detail);

    private GenerationPlan Validate(GenerateRequest request)
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new GenerationRefusedException(GenerationRefusal.ShuttingDown, ProblemCodes.ShuttingDown, "Shutting down", "The ensemble is shutting down.");
        }

        if (string.IsNullOrEmpty(request?.Prompt))
        {
            throw Invalid(ProblemCodes.InvalidPrompt, "Invalid prompt", "The body needs a non-empty 'prompt'.");
        }

        if (request.Prompt.Length > GenerateRequest.MaxPromptCharacters)
        {
            throw Invalid(ProblemCodes.PromptTooLong, "Prompt too long",
                $"The prompt has {request.Prompt.Length} characters; at most {GenerateRequest.MaxPromptCharacters} are accepted.");
        }

        if (request.MaxTokens is < 1 or > GenerateRequest.MaxTokensLimit)
        {
            throw Invalid(ProblemCodes.InvalidMaxTokens, "Invalid max_tokens",
                $"max_tokens must be 1 to {GenerateRequest.MaxTokensLimit} (was {request.MaxTokens}).");
        }

        var stops = request.Stop ?? [];
        if (stops.Count > GenerateRequest.MaxStopStrings)
        {
            throw Invalid(ProblemCodes.InvalidStop, "Invalid stop strings", $"At most {GenerateRequest.MaxStopStrings} stop strings are accepted (got {stops.Count}).");
        }

        for (var i = 0; i < stops.Count; i++)
        {
            if (stops[i] is not { Length: >= 1 and <= GenerateRequest.MaxStopLength })
            {
                throw Invalid(ProblemCodes.InvalidStop, "Invalid stop strings",
                    $"Stop string {i} must be 1 to {GenerateRequest.MaxStopLength} characters (was {(stops[i] is null ? "null" : stops[i].Length + " characters")}).");
            }
        }

        var modeName = request.Mode ?? GenerationModes.Avg;
        if (!EnsembleModes.TryParse(modeName, out var mode))
        {
            throw Invalid(ProblemCodes.InvalidMode, "Invalid mode", $"Mode '{modeName}' is not one of {string.Join(", ", GenerationModes.All)}.");
        }

        if (!_pool.Supports(mode))
        {
            throw new GenerationRefusedException(GenerationRefusal.ModeUnavailable, ProblemCodes.ModeUnavailable, "Mode unavailable",
                $"Ensemble '{ModelName}' cannot run mode '{mode.Name()}': its manifest has no adaptive weights (run ./kcm eval-ensemble to measure them).");
        }

        var main = _pool.Main;
        var mainTokens = main.Tokenizer.Encode(request.Prompt);
        CheckPromptLength(main, mainTokens.Length);
        if (mode != EnsembleMode.Main)
        {
            // The assistants read the main model's tokens as text (as they will at every step), each in its own tokens.
            var seen = EnsembleDecoder.TextOf(main.Tokenizer, mainTokens);
            for (var i = 0; i < _pool.Members.Count; i++)
            {
                if (i != _pool.MainModel)
                {
                    CheckPromptLength(_pool.Members[i], seen.Length == 0 ? 0 : _pool.Members[i].Tokenizer.Encode(seen).Length);
                }
            }
        }

        return new GenerationPlan(mainTokens, request.MaxTokens, [.. stops], mode);
    }

    private static void CheckPromptLength(EnsembleMember member, int tokens)
    {
        if (tokens == 0)
        {
            throw Invalid(ProblemCodes.InvalidPrompt, "Invalid prompt", $"The prompt gives no tokens for {member.Name}.");
        }

        if (tokens >= member.Context)
        {
            throw Invalid(ProblemCodes.PromptTooLong, "Prompt too long",
                $"The prompt is {tokens} tokens for {member.Name}, which leaves no room in its context of {member.Context} tokens.");
        }
    }

    private async Task AcquireSlotAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > _options.MaxQueuedGenerations)
        {
            Interlocked.Decrement(ref _queued);
            throw new GenerationRefusedException(GenerationRefusal.Overloaded, ProblemCodes.Overloaded, "Overloaded",
                $"All {_options.MaxConcurrentGenerations} generation slots are busy and {_options.MaxQueuedGenerations} generations already wait; retry after the indicated delay.");
        }

        try
        {
            if (!await _slots.WaitAsync(_options.QueueTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw new GenerationRefusedException(GenerationRefusal.Overloaded, ProblemCodes.Overloaded, "Overloaded",
                    $"No generation slot freed within {_options.QueueTimeoutMilliseconds} ms; retry after the indicated delay.");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private async Task DecodeAsync(GenerationPlan plan, ChannelWriter<GenerationEvent> writer, CancellationToken cancellationToken)
    {
        var modeName = plan.Mode.Name();
        var outcome = "failed";
        var completed = false;
        var slotHeld = true;
        var started = Stopwatch.GetTimestamp();
        KeyValuePair<string, object?>[] tags = [new("model", ModelName), new("mode", modeName)];
        try
        {
            // Both series exist from a mode's first generation on, so the fused share is 0, not absent, where nothing fuses.
            _instruments.Tokens.Add(0, tags);
            _instruments.FusedSteps.Add(0, tags);
            var ensemble = _pool.CreateDecoder(plan.Mode);
            var memberTime = new TimeSpan[ensemble.Members.Count];
            for (var i = 0; i < memberTime.Length; i++)
            {
                memberTime[i] = ensemble.MemberTime(i);
            }

            var filter = new StopStringFilter(plan.Stops);
            var tokens = 0;
            var fusedSteps = 0;
            var ending = EnsembleFinish.None;
            foreach (var step in ensemble.Decode(plan.PromptTokens, plan.MaxTokens))
            {
                cancellationToken.ThrowIfCancellationRequested();
                tokens++;
                fusedSteps += step.Fused ? 1 : 0;
                ending = step.Finish;
                RecordStep(ensemble, memberTime, step.Fused, tags);

                // The decoder marks its last step (special token, max_tokens, a full context, an assistant that
                // could not read one more token); that step releases the text held back for stop strings.
                var text = filter.Append(step.Text, step.IsLast);
                await writer.WriteAsync(
                    new GenerationToken(step.Index, step.Token, text, step.Fused, step.ChangedByFusion,
                        step.Elapsed.TotalMilliseconds, step.MainModelTime.TotalMilliseconds, step.AssistantTime.TotalMilliseconds, step.FusionTime.TotalMilliseconds),
                    cancellationToken).ConfigureAwait(false);
                if (filter.Stopped)
                {
                    break;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (ending == EnsembleFinish.None && !filter.Stopped && filter.Append(string.Empty, final: true).Length > 0)
            {
                // Not expected: the decoder ended at a step not foreseen as its last, so held-back text went unsent.
                _logger.LogWarning("Generation on {Model} ended after {Tokens} tokens without a final step; held-back text is only in the done event.", ModelName, tokens);
            }

            var finish = filter.Stopped ? FinishReasons.Stop
                : ending switch
                {
                    EnsembleFinish.EndOfText => FinishReasons.EndOfText,
                    EnsembleFinish.MaxTokens => FinishReasons.Length,
                    _ => FinishReasons.Context,
                };
            var elapsed = Stopwatch.GetElapsedTime(started);
            var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
            var done = new GenerationDone(filter.Released, tokens, finish, fusedSteps, tokens == 0 ? 0 : (double)fusedSteps / tokens, tokens / seconds,
                elapsed.TotalMilliseconds, modeName, ModelName);
            _instruments.GenerationDuration.Record(elapsed.TotalSeconds, tags);
            Interlocked.Increment(ref _completed);
            outcome = finish;
            completed = true;
            // The slot is free before the caller can see the end, so a client that got the done event finds the capacity back.
            FreeSlot(ref slotHeld);
            await writer.WriteAsync(done, cancellationToken).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!completed)
            {
                Interlocked.Increment(ref _cancelled);
                outcome = "cancelled";
            }

            writer.TryComplete();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Generation on {Model} in mode {Mode} failed.", ModelName, modeName);
            writer.TryComplete(new GenerationFailedException($"Decoding failed: {e.Message}", e));
        }
        finally
        {
            _instruments.Generations.Add(1, [.. tags, new("outcome", outcome)]);
            FreeSlot(ref slotHeld);
        }
    }

    private void FreeSlot(ref bool held)
    {
        if (held)
        {
            held = false;
            Interlocked.Decrement(ref _active);
            _slots.Release();
        }
    }

    /// <summary>Counts the step's token and records each member's time in it (an assistant only when it ran, at fused steps).</summary>
    private void RecordStep(DeePEnEnsemble ensemble, TimeSpan[] memberTime, bool fused, KeyValuePair<string, object?>[] tags)
    {
        _instruments.Tokens.Add(1, tags);
        if (fused)
        {
            _instruments.FusedSteps.Add(1, tags);
        }

        for (var i = 0; i < memberTime.Length; i++)
        {
            var now = ensemble.MemberTime(i);
            if (i == ensemble.MainModel || fused)
            {
                _instruments.MemberStepDuration.Record((now - memberTime[i]).TotalSeconds, _memberTags[i]);
            }

            memberTime[i] = now;
        }
    }
}
