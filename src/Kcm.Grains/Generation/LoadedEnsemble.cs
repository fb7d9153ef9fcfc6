using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Kcm.Abstractions.Generation;
using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;
using Kcm.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kcm.Grains.Generation;

/// <summary>
/// The silo's loaded DeePEn ensemble (its members' ONNX sessions and relative matrices, loaded once per silo from
/// <c>Kcm:Ensemble:Manifest</c>) and its generation slots: at most <see cref="EnsembleOptions.MaxConcurrentGenerations"/>
/// decode at once, a bounded number wait up to <see cref="EnsembleOptions.QueueTimeoutMilliseconds"/> for a slot, the
/// rest are refused. Every <see cref="EnsembleGrain"/> activation on the silo shares it.
/// </summary>
/// <remarks>
/// Each generation gets its own <see cref="DeePEnEnsemble"/> and decodes on the thread pool (never on a grain's
/// scheduler: a step is milliseconds of ONNX work) into a small bounded channel, so a slow reader slows its own
/// decoding and a cancelled one stops it at the next step.
/// </remarks>
public sealed class LoadedEnsemble : IAsyncDisposable
{
    private const int StepBuffer = 32;

    private readonly EnsembleOptions _options;
    private readonly EnsembleInstruments _instruments;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _runningGate = new();
    private readonly HashSet<Task> _running = [];
    private EnsemblePool? _pool;
    private KeyValuePair<string, object?>[][] _memberTags = [];
    private int _active;
    private int _queued;
    private long _cancelled;
    private long _completed;

    /// <summary>Creates the (not yet loaded) ensemble; <see cref="LoadAsync"/> loads it.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names every bad field.</exception>
    public LoadedEnsemble(IOptions<EnsembleOptions> options, EnsembleInstruments instruments, TimeProvider time, ILogger<LoadedEnsemble> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Value.Problems(EnsembleOptions.SectionName + ":").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid ensemble options: " + string.Join(" ", problems), nameof(options));
        }

        _options = options.Value;
        _instruments = instruments;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentGenerations, _options.MaxConcurrentGenerations);
    }

    /// <summary>The ensemble's name (the <see cref="EnsembleGrain"/> key it serves); null until loaded.</summary>
    public string? Name => Volatile.Read(ref _pool)?.Name;

    /// <summary>Generations decoding now.</summary>
    public int ActiveGenerations => Volatile.Read(ref _active);

    /// <summary>Generations waiting for a slot.</summary>
    public int QueuedGenerations => Volatile.Read(ref _queued);

    /// <summary>Generations that ended because their caller cancelled or went away.</summary>
    public long CancelledGenerations => Interlocked.Read(ref _cancelled);

    /// <summary>Generations that ended normally (length, stop, end of text or context).</summary>
    public long CompletedGenerations => Interlocked.Read(ref _completed);

    /// <summary>Loads the configured manifest (off the caller's thread); a no-op when none is configured or it is loaded.</summary>
    /// <exception cref="EnsembleLoadException">The manifest or a member folder does not load; the message names the file.</exception>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_options.Manifest is not { } manifest || _pool is not null)
        {
            return;
        }

        var path = ResolvePath(manifest);
        var started = _time.GetTimestamp();
        EnsemblePool pool;
        try
        {
            var sessionOptions = new OnnxSessionOptions { IntraOpThreads = _options.IntraOpThreads };
            // Mapped from a cache per ensemble name: a restart maps the files (milliseconds) instead of rebuilding them.
            var cache = _options.RelativeCachePath is { Length: > 0 } folder ? ResolvePath(folder) : null;
            pool = await Task.Run(() => EnsemblePool.Load(path, sessionOptions, cache), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new EnsembleLoadException($"{EnsembleOptions.SectionName}:{nameof(EnsembleOptions.Manifest)} '{path}' does not load: {e.Message}", e);
        }

        if (pool.RelativeCacheProblem is { } problem)
        {
            _logger.LogWarning("The relative-matrix cache cannot be used ({Problem}); the matrices were built in memory.", problem);
        }

        _memberTags = [.. pool.Members.Select(member => new KeyValuePair<string, object?>[] { new("model", pool.Name), new("member", member.Name) })];
        KeyValuePair<string, object?>[] modelTag = [new("model", pool.Name)];
        _instruments.AddGauge("kcm_generations_active", "{generation}", "Generations decoding now, by model.", () => new(ActiveGenerations, modelTag));
        _instruments.AddGauge("kcm_generations_queued", "{generation}", "Generations waiting for a decoding slot, by model.", () => new(QueuedGenerations, modelTag));
        Volatile.Write(ref _pool, pool);
        _logger.LogInformation(
            "Ensemble {Name} loaded in {Seconds:F1} s: members {Members}, main {Main}.",
            pool.Name, _time.GetElapsedTime(started).TotalSeconds, string.Join(", ", pool.Members.Select(m => m.Name)), pool.Main.Name);
    }

    /// <summary>The ensemble's name and members in the manifest's order.</summary>
    /// <exception cref="GenerationRefusedException">Not loaded yet (not_ready).</exception>
    public EnsembleDescription Describe()
    {
        var pool = Volatile.Read(ref _pool) ?? throw GenerationRefusals.NotReady();
        return new EnsembleDescription(pool.Name, [.. pool.Members.Select(m => m.Name)]);
    }

    /// <summary>
    /// Validates <paramref name="prompt"/>, waits for a slot and starts decoding on the thread pool. Cancelling
    /// <paramref name="cancellationToken"/> stops the wait or, later, the decoding (as does disposing the generation).
    /// </summary>
    /// <exception cref="GenerationRefusedException">Refused before anything is decoded; its code says why.</exception>
    public async Task<RunningGeneration> StartAsync(GenerationPrompt prompt, CancellationToken cancellationToken)
    {
        var pool = Volatile.Read(ref _pool);
        GenerationPlan plan;
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                throw GenerationRefusals.ShuttingDown();
            }

            plan = GenerationPlan.Create(pool ?? throw GenerationRefusals.NotReady(), prompt);
            await AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationRefusedException refusal)
        {
            _instruments.Generations.Add(1, new("model", pool?.Name), new("mode", GenerationPlan.ModeName(prompt)), new("outcome", "refused"));
            _logger.LogDebug("Generation refused ({Code}): {Detail}", refusal.Code, refusal.Message);
            throw;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var steps = Channel.CreateBounded<GenerationStep>(new BoundedChannelOptions(StepBuffer) { SingleReader = true, SingleWriter = true });
        Interlocked.Increment(ref _active);
        // Not given the token: a cancelled start must still run the method, which releases the slot.
        var decoding = Task.Run(() => DecodeAsync(pool, plan, steps.Writer, stop.Token), CancellationToken.None);
        lock (_runningGate)
        {
            _running.Add(decoding);
        }

        _ = decoding.ContinueWith(Forget, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new RunningGeneration(steps.Reader, stop, decoding);
    }

    /// <summary>Refuses new generations and stops the running ones at their next step (their streams fail with shutting_down).</summary>
    public Task StopGenerationsAsync() => _stopping.CancelAsync();

    /// <summary>Stops the running generations, waits for them and releases the models.</summary>
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
        Interlocked.Exchange(ref _pool, null)?.Dispose();
    }

    private static string ResolvePath(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return path;
        }

        var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } kcmHome ? kcmHome : Directory.GetCurrentDirectory();
        return Path.GetFullPath(Path.Combine(home, path));
    }

    private static void Forget(Task decoding, object? state)
    {
        var self = (LoadedEnsemble)state!;
        lock (self._runningGate)
        {
            self._running.Remove(decoding);
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
            throw GenerationRefusals.Overloaded(
                $"All {_options.MaxConcurrentGenerations} generation slots are busy and {_options.MaxQueuedGenerations} generations already wait; retry later.");
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.QueueTimeout, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _slots.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw GenerationRefusals.Overloaded($"No generation slot freed within {_options.QueueTimeoutMilliseconds} ms; retry later.");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private async Task DecodeAsync(EnsemblePool pool, GenerationPlan plan, ChannelWriter<GenerationStep> writer, CancellationToken cancellationToken)
    {
        var modeName = plan.Mode.Name();
        var outcome = "failed";
        var completed = false;
        var slotHeld = true;
        var started = _time.GetTimestamp();
        KeyValuePair<string, object?>[] tags = [new("model", pool.Name), new("mode", modeName)];
        try
        {
            // Both series exist from a mode's first generation on, so the fused share is 0, not absent, where nothing fuses.
            _instruments.Tokens.Add(0, tags);
            _instruments.FusedSteps.Add(0, tags);
            var ensemble = pool.CreateDecoder(plan.Mode);
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

                // The decoder marks its last step (special token, max tokens, a full context, an assistant that could
                // not read one more token); that step releases the text held back for stop strings.
                var text = filter.Append(step.Text, step.IsLast);
                await writer.WriteAsync(
                    new GeneratedToken(step.Index, step.Token, text, step.Fused, step.ChangedByFusion,
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
                _logger.LogWarning("Generation on {Model} ended after {Tokens} tokens without a final step; held-back text is only in the finish.", pool.Name, tokens);
            }

            var finish = filter.Stopped ? FinishReasons.Stop
                : ending switch
                {
                    EnsembleFinish.EndOfText => FinishReasons.EndOfText,
                    EnsembleFinish.MaxTokens => FinishReasons.Length,
                    _ => FinishReasons.Context,
                };
            var elapsed = _time.GetElapsedTime(started);
            var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
            var done = new GenerationFinished(filter.Released, tokens, finish, fusedSteps, tokens == 0 ? 0 : (double)fusedSteps / tokens, tokens / seconds,
                elapsed.TotalMilliseconds, modeName, pool.Name);
            _instruments.GenerationDuration.Record(elapsed.TotalSeconds, tags);
            Interlocked.Increment(ref _completed);
            outcome = finish;
            completed = true;
            // The slot is free before the caller can see the end, so a caller that got the finish finds the capacity back.
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

            // Stopped by the silo rather than by its caller: say so, so the caller retries elsewhere instead of
            // taking a stream without its finish for a complete one.
            writer.TryComplete(_stopping.IsCancellationRequested && !completed
                ? new GenerationFailedException(ProblemCodes.ShuttingDown, "The silo stopped this generation while shutting down; retry on another silo.", retriable: true)
                : null);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Generation on {Model} in mode {Mode} failed.", pool.Name, modeName);
            writer.TryComplete(new GenerationFailedException(ProblemCodes.GenerationFailed, $"Decoding failed: {e.Message}", retriable: false));
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
