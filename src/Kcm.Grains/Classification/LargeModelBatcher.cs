using System.Buffers;
using System.Threading.Channels;
using Kcm.Abstractions.Classification;
using Kcm.Core.Numerics;
using Kcm.Grains.Telemetry;
using Kcm.Models.Large;
using Kcm.Models.Sources;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Classification;

/// <summary>
/// The silo-local dynamic batcher in front of the large model: it owns the ONNX Runtime session(s), one worker thread
/// each. Requests enter a bounded queue (full: <see cref="ClassifyStatus.Overloaded"/> at once, so memory stays
/// bounded); a worker takes the first waiting request, gathers more until <see cref="LargeModelBatcherOptions.MaxBatchSize"/>
/// samples or, when the model was idle, <see cref="LargeModelBatcherOptions.MaxQueueDelayMicroseconds"/> (under sustained
/// load the batch is what queued while the last one ran), runs them as one batch and answers
/// each with probabilities it owns. A request past its deadline before it runs is answered
/// <see cref="ClassifyStatus.DeadlineExceeded"/>; a row whose output is not finite, <see cref="ClassifyStatus.NonFiniteOutput"/>.
/// Sessions open at <see cref="Open"/> (gpu silos at start), so a CUDA provider that cannot run fails there, clearly.
/// </summary>
public sealed class LargeModelBatcher : IAsyncDisposable
{
    private static readonly KeyValuePair<string, object?> LargeStage = new("stage", "large");
    private static readonly KeyValuePair<string, object?> LargeModel = new("model", "large");

    private readonly IServingModelSource _source;
    private readonly LargeModelBatcherOptions _options;
    private readonly KcmInstruments _instruments;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LargeModelRequest> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<ILargeModel[]> _instances;
    private Task[] _workers = [];
    private int _inFlight;

    public LargeModelBatcher(
        IServingModelSource source, LargeModelBatcherOptions options, KcmInstruments instruments, TimeProvider time, ILogger<LargeModelBatcher> logger)
    {
        var problems = options.Problems("LargePool:").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid large model batcher options: " + string.Join(" ", problems), nameof(options));
        }

        _source = source;
        _options = options;
        _instruments = instruments;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<LargeModelRequest>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = options.InstanceCount == 1, SingleWriter = false,
        });
        _instances = new Lazy<ILargeModel[]>(OpenInstances, LazyThreadSafetyMode.ExecutionAndPublication);
        instruments.AddGauge("kcm_large_queue_depth", "{request}", "Requests waiting for the large model.", () => QueueDepth);
        instruments.AddGauge("kcm_large_in_flight", "{sample}", "Samples being run by the large model now.", () => InFlight);
    }

    /// <summary>Requests waiting in the queue.</summary>
    public int QueueDepth => _queue.Reader.Count;

    /// <summary>Samples being run now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>What the large model is (opens it when not yet open).</summary>
    public LargeModelDescription Describe()
    {
        var model = Open();
        return new LargeModelDescription(model.Name, model.HintInputName, model.InputSize, model.ClassCount);
    }

    /// <summary>Opens the sessions and starts the workers once; later calls return the first instance, or rethrow the failure to open.</summary>
    /// <exception cref="LargeModelUnavailableException">The large model could not be opened; the message says why.</exception>
    public ILargeModel Open() => _instances.Value[0];

    /// <summary>Answers every row of <paramref name="batch"/>, or none with a status that says why.</summary>
    public async Task<LargeModelAnswer> InferAsync(LargeModelBatch batch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var model = Open();
        if (batch.Rows < 1 || batch.Features is null || batch.Features.Length != batch.Rows * model.InputSize
            || (model.UsesHint && (batch.Hints is null || batch.Hints.Length != batch.Rows * model.ClassCount)))
        {
            return Refused(ClassifyStatus.InvalidInput);
        }

        if (_stopping.IsCancellationRequested)
        {
            return Refused(ClassifyStatus.ShuttingDown);
        }

        var deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        var request = new LargeModelRequest(batch.Features, batch.Hints ?? [], batch.Rows, deadline);
        if (!_queue.Writer.TryWrite(request))
        {
            return Refused(_stopping.IsCancellationRequested ? ClassifyStatus.ShuttingDown : ClassifyStatus.Overloaded);
        }

        try
        {
            return await request.Completion.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still queued: abandon it so no worker runs it. Already running: its answer is moments away.
            return request.TryAbandon() ? Refused(ClassifyStatus.DeadlineExceeded) : await request.Completion.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            request.TryAbandon();
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

        while (_queue.Reader.TryRead(out var request))
        {
            if (request.TryStart())
            {
                request.Completion.TrySetResult(Refused(ClassifyStatus.ShuttingDown));
            }
        }

        if (_instances.IsValueCreated)
        {
            foreach (var instance in _instances.Value)
            {
                instance.Dispose();
            }
        }

        _stopping.Dispose();
    }

    private static LargeModelAnswer Refused(ClassifyStatus status, int failedRow = -1) => new(status, [], false, failedRow);

    private ILargeModel[] OpenInstances()
    {
        var instances = new List<ILargeModel>();
        try
        {
            for (var i = 0; i < _options.InstanceCount; i++)
            {
                instances.Add(_source.OpenLargeModel());
            }
        }
        catch (Exception e)
        {
            instances.ForEach(instance => instance.Dispose());
            // The provider's own exception types do not cross a grain call (nor as an inner exception): callers get
            // this one, whose message names the provider's exception and carries its message.
            _logger.LogError(e, "The large model could not be opened.");
            throw new LargeModelUnavailableException($"The large model could not be opened on this silo: {e.GetType().Name}: {e.Message}");
        }

        var first = instances[0];
        _workers = [.. instances.Select(instance => Task.Factory.StartNew(
            () => WorkAsync(instance), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())];
        _logger.LogInformation(
            "Large model {Name} open: {Instances} session(s), {Features} features, {Classes} classes, hint input {Hint} ({HintUse}).",
            first.Name, instances.Count, first.InputSize, first.ClassCount, first.HintInputName ?? "none", first.UsesHint ? "used" : "unused");
        return [.. instances];
    }

    private async Task WorkAsync(ILargeModel model)
    {
        var batch = new List<LargeModelRequest>(_options.MaxBatchSize);
        try
        {
            await BatchLoopAsync(model, batch, _queue.Reader, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            // Requests claimed but not run when the batcher stops still get an answer.
            foreach (var request in batch)
            {
                request.Completion.TrySetResult(Refused(ClassifyStatus.ShuttingDown));
            }
        }
    }

    private async Task BatchLoopAsync(ILargeModel model, List<LargeModelRequest> batch, ChannelReader<LargeModelRequest> reader, CancellationToken stop)
    {
        LargeModelRequest? carried = null;
        var afterIdle = true;
        while (!stop.IsCancellationRequested)
        {
            batch.Clear();
            int samples;
            if (carried is not null)
            {
                samples = carried.Rows;
                batch.Add(carried);
                carried = null;
            }
            else
            {
                if (!reader.TryRead(out var first))
                {
                    if (!await reader.WaitToReadAsync(stop).ConfigureAwait(false))
                    {
                        return;
                    }

                    afterIdle = true;
                    continue;
                }

                if (!Claim(first))
                {
                    continue;
                }

                samples = first.Rows;
                batch.Add(first);
            }

            // Waiting for more pays only when the model was idle (light load). Under sustained load the requests that
            // came while the last batch ran are the next batch: waiting then would leave the model idle between batches
            // (and spend a core spinning), which cost 15 % of the large model's throughput on two cores.
            var gather = afterIdle;
            afterIdle = false;
            var gatherUntil = _time.GetTimestamp() + (long)(_options.MaxQueueDelayMicroseconds * (_time.TimestampFrequency / 1e6));
            while (samples < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    if (!Claim(next))
                    {
                        continue;
                    }

                    if (samples + next.Rows > _options.MaxBatchSize)
                    {
                        // Would overflow the batch: it leads the next one instead.
                        carried = next;
                        break;
                    }

                    samples += next.Rows;
                    batch.Add(next);
                    continue;
                }

                var remaining = gatherUntil - _time.GetTimestamp();
                if (!gather || remaining <= 0 || !await WaitForMoreAsync(reader, remaining, stop).ConfigureAwait(false))
                {
                    break;
                }
            }

            Run(model, batch, samples);
            batch.Clear();
        }

        carried?.Completion.TrySetResult(Refused(ClassifyStatus.ShuttingDown));
    }

    /// <summary>Claims a queued request for running; answers it at once when its deadline has already passed.</summary>
    private bool Claim(LargeModelRequest request)
    {
        if (!request.TryStart())
        {
            return false;
        }

        if (_time.GetTimestamp() > request.DeadlineTimestamp)
        {
            request.Completion.TrySetResult(Refused(ClassifyStatus.DeadlineExceeded));
            return false;
        }

        return true;
    }

    /// <summary>Waits up to <paramref name="remainingTicks"/> for another request; false when none came.</summary>
    private async ValueTask<bool> WaitForMoreAsync(ChannelReader<LargeModelRequest> reader, long remainingTicks, CancellationToken stop)
    {
        var remaining = TimeSpan.FromSeconds((double)remainingTicks / _time.TimestampFrequency);
        if (remaining < TimeSpan.FromMilliseconds(1))
        {
            // Timers are millisecond-grained: for sub-millisecond delays yield until the deadline instead.
            var until = _time.GetTimestamp() + remainingTicks;
            while (_time.GetTimestamp() < until)
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

    private void Run(ILargeModel model, List<LargeModelRequest> batch, int samples)
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
            foreach (var request in batch)
            {
                request.Features.AsSpan(0, request.Rows * features).CopyTo(inputs.AsSpan(row * features));
                if (request.Hints.Length >= request.Rows * classes)
                {
                    request.Hints.AsSpan(0, request.Rows * classes).CopyTo(hints.AsSpan(row * classes));
                }
                else
                {
                    hints.AsSpan(row * classes, request.Rows * classes).Clear();
                }

                row += request.Rows;
            }

            // A single request larger than the maximum batch (the only way samples exceeds it) runs in chunks.
            for (var start = 0; start < samples; start += _options.MaxBatchSize)
            {
                var count = Math.Min(_options.MaxBatchSize, samples - start);
                model.Run(
                    inputs.AsSpan(start * features, count * features), hints.AsSpan(start * classes, count * classes), count, logits.AsSpan(start * classes, count * classes));
                _instruments.BatchSize.Record(count, LargeStage);
            }

            row = 0;
            foreach (var request in batch)
            {
                request.Completion.TrySetResult(Answer(logits.AsSpan(row * classes, request.Rows * classes), request.Rows, classes, model.UsesHint));
                row += request.Rows;
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The large model failed on a batch of {Samples} samples.", samples);
            foreach (var request in batch)
            {
                request.Completion.TrySetException(e);
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

    /// <summary>Softmax of each row into an array the answer owns; the first row that is not finite refuses the request.</summary>
    private LargeModelAnswer Answer(ReadOnlySpan<float> logits, int rows, int classes, bool hintApplied)
    {
        var probabilities = new float[rows * classes];
        for (var r = 0; r < rows; r++)
        {
            var row = probabilities.AsSpan(r * classes, classes);
            // Max-subtracted: a plain exp overflows to NaN for logits above ~88.
            Softmax.Apply(logits.Slice(r * classes, classes), row);
            foreach (var value in row)
            {
                if (!float.IsFinite(value))
                {
                    _instruments.NonFiniteOutputs.Add(1, LargeModel);
                    return Refused(ClassifyStatus.NonFiniteOutput, r);
                }
            }
        }

        return new LargeModelAnswer(ClassifyStatus.Completed, probabilities, hintApplied);
    }
}
