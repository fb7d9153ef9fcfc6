using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Large;

/// <summary>
/// The large model pool. Requests enter a bounded channel (a full channel refuses at once: memory stays bounded);
/// one worker per model instance takes the first waiting request, then gathers more until
/// <see cref="LargeModelPoolOptions.MaxBatchSize"/> samples or <see cref="LargeModelPoolOptions.MaxQueueDelayMicroseconds"/>
/// have passed, runs them as one batch and scatters the logits back. Requests cancelled or past their deadline
/// before they run are skipped.
/// </summary>
public sealed class LargeModelPoolGrain : ILargeModelPoolGrain, IAsyncDisposable
{
    private readonly IReadOnlyList<ILargeModel> _instances;
    private readonly LargeModelPoolOptions _options;
    private readonly KcmInstruments _instruments;
    private readonly ILogger _logger;
    private readonly Channel<LargeModelWork> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _workers;
    private int _inFlight;

    public LargeModelPoolGrain(IReadOnlyList<ILargeModel> instances, LargeModelPoolOptions options, KcmInstruments instruments, ILogger<LargeModelPoolGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentOutOfRangeException.ThrowIfZero(instances.Count);
        var problems = options.Problems("LargePool:").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid large model pool options: " + string.Join(" ", problems), nameof(options));
        }

        var first = instances[0];
        foreach (var instance in instances)
        {
            if (instance.InputSize != first.InputSize || instance.ClassCount != first.ClassCount || instance.HintInputName != first.HintInputName)
            {
                throw new ArgumentException("All large model instances must have the same inputs, classes and hint input.", nameof(instances));
            }
        }

        _instances = instances;
        _options = options;
        _instruments = instruments;
        _logger = logger;
        _queue = Channel.CreateBounded<LargeModelWork>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = instances.Count == 1,
            SingleWriter = false,
        });
        instruments.AddGauge("kcm_large_queue_depth", "{request}", "Requests waiting for the large model.", () => QueueDepth);
        instruments.AddGauge("kcm_large_in_flight", "{sample}", "Samples being run by the large model now.", () => InFlight);
        _workers = new Task[instances.Count];
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            _workers[i] = Task.Run(() => WorkAsync(instance));
        }
    }

    public string ModelName => _instances[0].Name;

    public int InputSize => _instances[0].InputSize;

    public int ClassCount => _instances[0].ClassCount;

    public string? HintInputName => _instances[0].HintInputName;

    public int QueueDepth => _queue.Reader.Count;

    public int InFlight => Volatile.Read(ref _inFlight);

    public async ValueTask<LargeModelStatus> InferAsync(
        ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> hints, int batchSize, Memory<float> logits, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (inputs.Length < batchSize * InputSize || logits.Length < batchSize * ClassCount)
        {
            throw new ArgumentException($"Buffers too small for {batchSize} samples of {InputSize} features and {ClassCount} classes.");
        }

        if (_stopping.IsCancellationRequested)
        {
            return LargeModelStatus.ShuttingDown;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var work = new LargeModelWork(inputs, hints, batchSize, logits, deadline);
        if (!_queue.Writer.TryWrite(work))
        {
            return _stopping.IsCancellationRequested ? LargeModelStatus.ShuttingDown : LargeModelStatus.QueueFull;
        }

        try
        {
            return await work.Completion.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still queued: abandon it so no worker touches the caller's buffers. Already running: wait for it.
            return work.TryAbandon() ? LargeModelStatus.DeadlineExceeded : await work.Completion.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!work.TryAbandon())
            {
                await work.Completion.Task.ConfigureAwait(false);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var work))
        {
            if (work.TryStart())
            {
                work.Completion.TrySetResult(LargeModelStatus.ShuttingDown);
            }
        }

        foreach (var instance in _instances)
        {
            instance.Dispose();
        }

        _stopping.Dispose();
    }

    private async Task WorkAsync(ILargeModel model)
    {
        var batch = new List<LargeModelWork>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        var stop = _stopping.Token;
        try
        {
            await BatchLoopAsync(model, batch, reader, stop).ConfigureAwait(false);
        }
        finally
        {
            // Work claimed but not run when the pool stops still gets an answer.
            foreach (var work in batch)
            {
                work.Completion.TrySetResult(LargeModelStatus.ShuttingDown);
            }
        }
    }

    private async Task BatchLoopAsync(ILargeModel model, List<LargeModelWork> batch, ChannelReader<LargeModelWork> reader, CancellationToken stop)
    {
        LargeModelWork? carried = null;
        while (!stop.IsCancellationRequested)
        {
            batch.Clear();
            var samples = 0;
            if (carried is not null)
            {
                samples = carried.BatchSize;
                batch.Add(carried);
                carried = null;
            }
            else
            {
                if (!await reader.WaitToReadAsync(stop).ConfigureAwait(false))
                {
                    return;
                }

                if (!reader.TryRead(out var first) || !Claim(first))
                {
                    continue;
                }

                samples = first.BatchSize;
                batch.Add(first);
            }

            var gatherUntil = Stopwatch.GetTimestamp() + (long)(_options.MaxQueueDelayMicroseconds * (Stopwatch.Frequency / 1e6));
            while (samples < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    if (!Claim(next))
                    {
                        continue;
                    }

                    if (samples + next.BatchSize > _options.MaxBatchSize)
                    {
                        // Would overflow the batch: it leads the next one instead.
                        carried = next;
                        break;
                    }

                    samples += next.BatchSize;
                    batch.Add(next);
                    continue;
                }

                var remaining = gatherUntil - Stopwatch.GetTimestamp();
                if (remaining <= 0 || !await WaitForMoreAsync(reader, remaining, stop).ConfigureAwait(false))
                {
                    break;
                }
            }

            Run(model, batch, samples);
            batch.Clear();
        }

        carried?.Completion.TrySetResult(LargeModelStatus.ShuttingDown);
    }

    /// <summary>Claims queued work for running; completes it at once when its deadline has already passed.</summary>
    private static bool Claim(LargeModelWork work)
    {
        if (!work.TryStart())
        {
            return false;
        }

        if (Stopwatch.GetTimestamp() > work.DeadlineTimestamp)
        {
            work.Completion.TrySetResult(LargeModelStatus.DeadlineExceeded);
            return false;
        }

        return true;
    }

    /// <summary>Waits up to <paramref name="remainingTicks"/> for another request; false when none came.</summary>
    private static async ValueTask<bool> WaitForMoreAsync(ChannelReader<LargeModelWork> reader, long remainingTicks, CancellationToken stop)
    {
        var remaining = TimeSpan.FromSeconds((double)remainingTicks / Stopwatch.Frequency);
        if (remaining < TimeSpan.FromMilliseconds(1))
        {
            // Timers are millisecond-grained: for sub-millisecond delays yield until the deadline instead.
            var until = Stopwatch.GetTimestamp() + remainingTicks;
            while (Stopwatch.GetTimestamp() < until)
            {
                if (reader.Count > 0)
                {
                    return true;
                }

                await Task.Yield();
            }

            return reader.Count > 0;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(remaining);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return false;
        }
    }

    private void Run(ILargeModel model, List<LargeModelWork> batch, int samples)
    {
        var features = model.InputSize;
        var classes = model.ClassCount;
        var inputs = ArrayPool<float>.Shared.Rent(samples * features);
        var hints = ArrayPool<float>.Shared.Rent(samples * classes);
        var logits = ArrayPool<float>.Shared.Rent(samples * classes);
        Interlocked.Add(ref _inFlight, samples);
        try
        {
            var row = 0;
            foreach (var work in batch)
            {
                work.Inputs.Span[..(work.BatchSize * features)].CopyTo(inputs.AsSpan(row * features));
                if (work.Hints.Length >= work.BatchSize * classes)
                {
                    work.Hints.Span[..(work.BatchSize * classes)].CopyTo(hints.AsSpan(row * classes));
                }
                else
                {
                    hints.AsSpan(row * classes, work.BatchSize * classes).Clear();
                }

                row += work.BatchSize;
            }

            // A single request larger than the maximum batch (the only way samples exceeds it) runs in chunks.
            for (var start = 0; start < samples; start += _options.MaxBatchSize)
            {
                var count = Math.Min(_options.MaxBatchSize, samples - start);
                model.Run(
                    inputs.AsSpan(start * features, count * features),
                    hints.AsSpan(start * classes, count * classes),
                    count,
                    logits.AsSpan(start * classes, count * classes));
                _instruments.BatchSize.Record(count, new KeyValuePair<string, object?>("stage", "large"));
            }

            row = 0;
            foreach (var work in batch)
            {
                logits.AsSpan(row * classes, work.BatchSize * classes).CopyTo(work.Logits.Span);
                row += work.BatchSize;
                work.Completion.TrySetResult(LargeModelStatus.Completed);
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The large model failed on a batch of {Samples} samples.", samples);
            foreach (var work in batch)
            {
                work.Completion.TrySetException(e);
            }
        }
        finally
        {
            Interlocked.Add(ref _inFlight, -samples);
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(hints);
            ArrayPool<float>.Shared.Return(logits);
        }
    }
}
