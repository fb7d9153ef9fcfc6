using System.Diagnostics;
using Kcm.Grains.Judge;
using Kcm.Grains.Small;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Distillation;

/// <summary>
/// Runs distillation rounds, one at a time: takes the waiting teacher records, trains a candidate from the serving
/// version, and when the trainer's guard accepts it publishes it through the small model grain (stored, verified,
/// swapped). A rejected or failed round leaves the serving version untouched. Records are acknowledged once a round
/// has used them and handed back if the round is cancelled (at-least-once). When given a judge trainer, each round
/// also distils the judge on the same records under its own guard and publishes it through the judge grain, so the
/// judge grows confident where the large model is confidently right and less traffic goes to the large model.
/// </summary>
public sealed class DistillationGrain : IDistillationGrain, IAsyncDisposable
{
    private readonly ITeacherQueue _queue;
    private readonly IDistillationTrainer _trainer;
    private readonly ISmallModelGrain _small;
    private readonly (IDistillationTrainer Trainer, IJudgeGrain Grain)? _judge;
    private readonly DistillationScheduleOptions _options;
    private readonly KcmInstruments _instruments;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _roundLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _schedule = Task.CompletedTask;
    private long _lastRoundTimestamp = Stopwatch.GetTimestamp();

    public DistillationGrain(
        ITeacherQueue queue,
        IDistillationTrainer trainer,
        ISmallModelGrain small,
        DistillationScheduleOptions options,
        KcmInstruments instruments,
        ILogger<DistillationGrain> logger,
        IDistillationTrainer? judgeTrainer = null,
        IJudgeGrain? judge = null)
    {
        if ((judgeTrainer is null) != (judge is null))
        {
            throw new ArgumentException("A judge trainer and a judge grain go together: give both or neither.", nameof(judgeTrainer));
        }

        var problems = options.Problems("Distillation:").ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid distillation options: " + string.Join(" ", problems), nameof(options));
        }

        _queue = queue;
        _trainer = trainer;
        _small = small;
        _judge = judgeTrainer is null ? null : (judgeTrainer, judge!);
        _options = options;
        _instruments = instruments;
        _logger = logger;
    }

    /// <summary>Starts the schedule (records or interval, whichever first) when enabled.</summary>
    public void Start()
    {
        if (_options.Enabled)
        {
            _schedule = Task.Run(() => ScheduleAsync(_stopping.Token));
        }
    }

    public async Task<DistillationRound> RunRoundAsync(CancellationToken cancellationToken)
    {
        await _roundLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var round = await RunLockedRoundAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastRoundTimestamp, Stopwatch.GetTimestamp());
            _instruments.DistillationRounds.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeTag(round.Outcome)));
            _logger.LogInformation(
                "Distillation round {Outcome} on {Samples} records: {Detail} (serving version {Version}).",
                round.Outcome, round.SampleCount, round.Detail, round.CurrentVersion);
            return round;
        }
        finally
        {
            _roundLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _schedule.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task<DistillationRound> RunLockedRoundAsync(CancellationToken cancellationToken)
    {
        var incumbent = await _small.GetCurrentAsync().ConfigureAwait(false);
        var delivery = await _queue.TakeAsync(_options.RecordsPerRound, cancellationToken).ConfigureAwait(false);
        var count = delivery.Samples.Count;
        if (count == 0)
        {
            await _queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            return new DistillationRound(DistillationRoundOutcome.Empty, incumbent.Version, null, 0, null, null, "no teacher records were waiting");
        }

        DistillationTrainerResult result;
        DistillationTrainerResult? judgeResult = null;
        try
        {
            result = await Task.Run(() => _trainer.Train(incumbent.Model, delivery.Samples, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (_judge is { } judge)
            {
                var incumbentJudge = judge.Grain.Current.Model;
                judgeResult = await Task.Run(() => judge.Trainer.Train(incumbentJudge, delivery.Samples, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            await _queue.ReturnAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            // Records that make training throw would fail again: consume them rather than loop on them.
            await _queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            _logger.LogError(e, "Distillation training failed on {Samples} records.", count);
            return new DistillationRound(DistillationRoundOutcome.Failed, incumbent.Version, null, count, null, null, "training failed: " + e.Message);
        }

        // Records are acknowledged only once the round has stored its candidates or rejected them: a distiller that
        // dies before that leaves them unacknowledged, so a broker-backed queue hands them to the standby.
        var (judgeVersion, judgeDetail) = await PublishJudgeAsync(judgeResult).ConfigureAwait(false);
        if (!result.Accepted || result.Candidate is null)
        {
            await _queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            return new DistillationRound(
                DistillationRoundOutcome.Rejected, incumbent.Version, null, count, result.IncumbentCheckAccuracy, result.CandidateCheckAccuracy, result.Reason,
                judgeVersion, judgeDetail);
        }

        try
        {
            var published = await _small.PublishAsync(
                result.Candidate, result.CandidateCheckAccuracy ?? double.NaN, CancellationToken.None).ConfigureAwait(false);
            await _queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            return new DistillationRound(
                DistillationRoundOutcome.Accepted, published.Version, published.Version, count, result.IncumbentCheckAccuracy, result.CandidateCheckAccuracy, result.Reason,
                judgeVersion, judgeDetail);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Storing or loading the distilled candidate failed; version {Version} keeps serving.", incumbent.Version);
            await _queue.AcknowledgeAsync(delivery, CancellationToken.None).ConfigureAwait(false);
            var current = await _small.GetCurrentAsync().ConfigureAwait(false);
            return new DistillationRound(
                DistillationRoundOutcome.Failed, current.Version, null, count, result.IncumbentCheckAccuracy, result.CandidateCheckAccuracy, "publishing failed: " + e.Message,
                judgeVersion, judgeDetail);
        }
    }

    /// <summary>Publishes an accepted judge candidate; a rejected or unpublishable one leaves the serving judge in place.</summary>
    private async Task<(int? Version, string? Detail)> PublishJudgeAsync(DistillationTrainerResult? result)
    {
        if (_judge is not { } judge || result is null)
        {
            return (null, null);
        }

        if (!result.Accepted || result.Candidate is null)
        {
            return (null, "judge kept: " + result.Reason);
        }

        try
        {
            var published = await judge.Grain.PublishAsync(result.Candidate, result.CandidateCheckAccuracy ?? double.NaN, CancellationToken.None).ConfigureAwait(false);
            _logger.LogInformation("Judge version {Version} is serving ({Reason}).", published.Version, result.Reason);
            return (published.Version, "judge swapped: " + result.Reason);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Storing or loading the distilled judge failed; the serving judge stays.");
            return (null, "judge publishing failed: " + e.Message);
        }
    }

    private async Task ScheduleAsync(CancellationToken stop)
    {
        var interval = (long)(_options.IntervalSeconds * Stopwatch.Frequency);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(_options.IntervalSeconds * 1000 / 4, 10, 250)));
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            var waiting = _queue.Count;
            var due = Stopwatch.GetTimestamp() - Volatile.Read(ref _lastRoundTimestamp) >= interval;
            if (waiting >= _options.RecordsPerRound || (due && waiting >= _options.MinRecords))
            {
                try
                {
                    await RunRoundAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "A scheduled distillation round failed.");
                }
            }
        }
    }

    private static string OutcomeTag(DistillationRoundOutcome outcome) => outcome switch
    {
        DistillationRoundOutcome.Accepted => "accepted",
        DistillationRoundOutcome.Rejected => "rejected",
        DistillationRoundOutcome.Failed => "failed",
        _ => "empty",
    };
}
