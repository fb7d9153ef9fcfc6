using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Core.Distillation;
using Kcm.Core.Models;
using Kcm.Grains.Hosting;
using Kcm.Grains.Registry;
using Kcm.Grains.Serving;
using Kcm.Grains.Telemetry;
using Kcm.Models;
using Kcm.Models.Distillation;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Kcm.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Hosting;
using Orleans.Storage;

namespace Kcm.Grains.Distillation;

/// <summary>
/// Distillation of one model (key: model name) on a distiller silo. Rounds run one at a time, on a schedule (records
/// or interval, whichever first, checked on a reminder when the silo has a reminder service, else on a grain timer;
/// off when <c>Kcm:Distillation:Enabled</c> is false) and on demand. A round takes teacher records, trains candidates
/// of the small model (and the judge) from the serving version on a dedicated long-running task, off the grain's turn,
/// so <see cref="GetStatusAsync"/> answers meanwhile (the grain is reentrant; its fields are still touched only on its
/// turns). Exactly-once use of records: a round records the ids it used in the same state write as its outcome (and an
/// accepted candidate), then publishes, and only then acknowledges the records; a record whose id the ledger holds is
/// acknowledged without training. See docs/storage.md, "The distillation ledger".
/// </summary>
[DistillerPlacementFilter]
[Reentrant]
public sealed class DistillationGrain(
    [PersistentState("distillation", ServingStorage.Name)] IPersistentState<DistillationState> state,
    ITeacherQueue queue,
    IServingModelSource source,
    IModelStore store,
    SafetensorsClassifierCodec codec,
    ServingSnapshotHolder snapshots,
    ServingOptions options,
    KcmInstruments instruments,
    TimeProvider time,
    ILogger<DistillationGrain> logger) : Grain, IDistillationGrain, IRemindable
{
    /// <summary>The name of the reminder that checks the schedule.</summary>
    public const string ReminderName = "distillation-schedule";

    private readonly DistillationScheduleOptions _schedule = options.Distillation;
    private readonly HashSet<Guid> _used = [];
    private Task<DistillationRoundResult?>? _round;
    private DistillationTrainer? _smallTrainer;
    private DistillationTrainer? _judgeTrainer;
    private long _lastRoundTimestamp;

    private DistillationState Stored => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        IndexLedger();
        _lastRoundTimestamp = time.GetTimestamp();
        var hasReminders = ServiceProvider.GetService<IReminderTable>() is not null;
        if (!_schedule.Enabled)
        {
            if (hasReminders && await this.GetReminder(ReminderName) is { } stale)
            {
                await this.UnregisterReminder(stale);
            }

            return;
        }

        var period = TimeSpan.FromSeconds(_schedule.CheckSeconds);
        if (hasReminders)
        {
            var minimum = ServiceProvider.GetRequiredService<IOptions<ReminderOptions>>().Value.MinimumReminderPeriod;
            if (period < minimum)
            {
                logger.LogWarning(
                    "Kcm:Distillation:CheckSeconds ({Check} s) is below ReminderOptions.MinimumReminderPeriod ({Minimum}): the schedule is checked every {Minimum}.",
                    _schedule.CheckSeconds, minimum, minimum);
                period = minimum;
            }

            try
            {
                // The reminder lives in the reminder table, not in this silo: if the silo dies, its next tick activates
                // the grain on another distiller silo, which resumes the rounds.
                await this.RegisterOrUpdateReminder(ReminderName, period, period);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Registering the distillation reminder failed; this activation checks its schedule on a grain timer (the next activation tries again).");
            }
        }

        // Without a reminder service (a single embedded silo): a timer, which lives as long as this activation.
        this.RegisterGrainTimer(_ => Tick(), new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // A round takes minutes, longer than a grain call may: the tick starts it and returns.
        return reminderName == ReminderName && _schedule.Enabled ? Tick() : Task.CompletedTask;
    }

    public async Task<DistillationRoundResult> RunRoundAsync()
    {
        // A round already running finishes first; then this call runs its own on what waits.
        while (_round is { IsCompleted: false } running)
        {
            try
            {
                await running;
            }
            catch (Exception)
            {
                // That round's caller gets its failure; this call runs its own round.
            }
        }

        var round = RoundAsync(scheduled: false);
        _round = round;
        return (await round)!;
    }

    public Task<DistillationStatus> GetStatusAsync() =>
        Task.FromResult(new DistillationStatus(
            Stored.RoundsAccepted, Stored.RoundsRejected, Stored.RoundsFailed, Stored.RoundsEmpty, Stored.RecordsTrained,
            _round is { IsCompleted: false }, Stored.RecordsRedelivered, Stored.RecordsRefused));

    /// <summary>Starts a scheduled round when one is due and none runs; does not wait for it.</summary>
    private Task Tick()
    {
        if (_round is { IsCompleted: false })
        {
            return Task.CompletedTask;
        }

        var due = time.GetElapsedTime(_lastRoundTimestamp) >= TimeSpan.FromSeconds(_schedule.IntervalSeconds);
        if (due || Stored.Pending is not null || queue.Count >= _schedule.RecordsPerRound)
        {
            var round = RoundAsync(scheduled: true);
            _round = round;
            _ = round.ContinueWith(
                task => logger.LogError(task.Exception, "A scheduled distillation round failed."),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Current);
        }

        return Task.CompletedTask;
    }

    /// <summary>A round; null when a scheduled check found too few new records (they go back, nothing is counted).</summary>
    private async Task<DistillationRoundResult?> RoundAsync(bool scheduled)
    {
        var result = await RoundCoreAsync(scheduled);
        if (result is null)
        {
            return null;
        }

        _lastRoundTimestamp = time.GetTimestamp();
        instruments.DistillationRounds.Add(1, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString().ToLowerInvariant()));
        logger.LogInformation(
            "Distillation round {Outcome} on {Samples} records: {Detail} (serving version {Version}).", result.Outcome, result.SampleCount, result.Detail, result.ServingVersion);
        return result;
    }

    private async Task<DistillationRoundResult?> RoundCoreAsync(bool scheduled)
    {
        var model = this.GetPrimaryKeyString();
        var registry = GrainFactory.GetGrain<IModelRegistryGrain>(model);
        string? published = null;
        if (Stored.Pending is { } pending)
        {
            // A previous round recorded an accepted candidate but did not see it published (its publish failed, or its
            // silo died after the state write): serve it before training anything new on top.
            try
            {
                published = await PublishPendingAsync(registry, pending);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Publishing round {Round}'s recorded candidate failed; it is tried again at the next round.", pending.Round);
                return Failed(await registry.GetCurrentAsync(), 0, null, $"publishing round {pending.Round}'s recorded candidate failed: {e.Message}", null);
            }
        }

        var incumbent = await registry.GetCurrentAsync();
        if (incumbent is null)
        {
            return Failed(null, 0, null, "no serving version is published yet", null);
        }

        TeacherDelivery delivery;
        try
        {
            delivery = await queue.TakeAsync(_schedule.RecordsPerRound, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Taking teacher records failed.");
            return Failed(incumbent, 0, null, "the teacher queue failed: " + e.Message, null);
        }

        var (records, ids, redelivered) = NewRecords(delivery);
        var count = records.Count;
        if (count == 0 || (scheduled && count < _schedule.MinRecords))
        {
            if (count > 0)
            {
                // Too few new records for a scheduled round: they wait for more (returned with any redelivered ones).
                await ReturnQuietlyAsync(delivery);
                return null;
            }

            // Nothing new: what came (records already used, undecodable ones) is acknowledged; counted at the next write.
            Stored.RecordsRedelivered += redelivered;
            Stored.RecordsRefused += delivery.Undecodable;
            await AcknowledgeQuietlyAsync(delivery, 0);
            if (scheduled)
            {
                return null;
            }

            Stored.RoundsEmpty++;
            var detail = "no new teacher records were waiting" + (redelivered > 0 ? $" ({redelivered} handed over again had been used already)" : string.Empty);
            return Result(DistillationOutcome.Empty, incumbent, null, 0, null, published is null ? detail : published + "; " + detail, null, null);
        }

        DistillationResult small;
        DistillationResult? judge;
        IClassifier smallModel;
        IClassifier judgeModel;
        try
        {
            (smallModel, judgeModel) = await IncumbentsAsync(incumbent);
            _smallTrainer ??= source.CreateSmallModelTrainer();
            _judgeTrainer ??= _schedule.DistillJudge ? source.CreateJudgeTrainer() : null;
            var smallTrainer = _smallTrainer;
            var judgeTrainer = _judgeTrainer;
            // Training takes seconds to minutes of CPU: a dedicated thread, off the grain's scheduler (TaskScheduler.Default).
            (small, judge) = await Task.Factory.StartNew(
                () => (smallTrainer.Train(smallModel, records, CancellationToken.None), judgeTrainer?.Train(judgeModel, records, CancellationToken.None)),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch (Exception e)
        {
            // Records that make training throw would fail again: recorded as refused and consumed, not looped on.
            logger.LogError(e, "Distillation training failed on {Samples} records.", count);
            instruments.TeacherRecordsDropped.Add(count, new KeyValuePair<string, object?>(TeacherRefusal.Tag, TeacherRefusal.TrainingFailed));
            if (!await RecordAsync(delivery, ids, redelivered, DistillationOutcome.Failed, null))
            {
                return Failed(incumbent, count, null, $"training failed: {e.Message}; recording the round failed", null);
            }

            await AcknowledgeQuietlyAsync(delivery, count);
            return Result(DistillationOutcome.Failed, incumbent, null, count, null, "training failed: " + e.Message, null, null);
        }

        var smallAccepted = small is { Accepted: true, Candidate: not null };
        var judgeAccepted = judge is { Accepted: true, Candidate: not null };
        var judgeDetail = judge is null ? null : (judgeAccepted ? "judge swapped: " : "judge kept: ") + judge.Reason;
        if (!smallAccepted && !judgeAccepted)
        {
            if (!await RecordAsync(delivery, ids, redelivered, DistillationOutcome.Rejected, null))
            {
                return Failed(incumbent, count, small, "recording the round failed", judgeDetail);
            }

            await AcknowledgeQuietlyAsync(delivery, count);
            return Result(DistillationOutcome.Rejected, incumbent, null, count, small, small.Reason, null, judgeDetail);
        }

        var (threshold, calibratedShare, score) = await CalibrateAsync(
            incumbent, smallAccepted ? small.Candidate! : smallModel, judgeAccepted ? judge!.Candidate! : judgeModel);
        PendingPublication candidate;
        try
        {
            candidate = new PendingPublication
            {
                Threshold = threshold,
                CalibratedLargeShare = calibratedShare,
                Score = score,
                Round = Stored.LastRound + 1,
                Small = smallAccepted
                    ? (await store.SaveAsync(ModelSeries.Small(model), codec.Encode(small.Candidate!), small.CheckAccuracyAfter ?? 0, CancellationToken.None)).ToStoredWeights()
                    : incumbent.Small,
                Judge = judgeAccepted
                    ? (await store.SaveAsync(ModelSeries.Judge(model), codec.Encode(judge!.Candidate!), judge.CheckAccuracyAfter ?? 0, CancellationToken.None)).ToStoredWeights()
                    : incumbent.Judge,
            };
        }
        catch (Exception e)
        {
            // Nothing is recorded: the records go back, to be used by the next round.
            await ReturnQuietlyAsync(delivery);
            logger.LogError(e, "Storing the distilled candidates failed; serving version {Version} stays.", incumbent.Version);
            return Failed(incumbent, count, small, "storing failed: " + e.Message, judgeDetail);
        }

        // The ids, the outcome and the candidate in one write; only then publish, and only then acknowledge.
        var outcome = smallAccepted ? DistillationOutcome.Accepted : DistillationOutcome.Rejected;
        if (!await RecordAsync(delivery, ids, redelivered, outcome, candidate))
        {
            return Failed(incumbent, count, small, "recording the round failed", judgeDetail);
        }

        ServingVersion serving;
        try
        {
            serving = await PublishAsync(registry, candidate);
        }
        catch (Exception e)
        {
            // The round is recorded with its candidate: its records are used (acknowledged), and the next round
            // publishes the candidate before anything else.
            logger.LogError(e, "Publishing the distilled candidates failed; serving version {Version} stays until the next round publishes them.", incumbent.Version);
            await AcknowledgeQuietlyAsync(delivery, count);
            return Result(
                DistillationOutcome.Failed, incumbent, null, count, small, "publishing failed (the next round publishes the recorded candidate): " + e.Message, null, judgeDetail);
        }

        await AcknowledgeQuietlyAsync(delivery, count);
        return Result(
            outcome, serving, smallAccepted ? candidate.Small.Version : null, count, small,
            small.Reason, judgeAccepted ? candidate.Judge.Version : null, judgeDetail);
    }

    /// <summary>The delivery's records that no recorded round used (each id once), and how many were handed over again.</summary>
    private (List<TeacherRecord> Records, List<Guid> Ids, int Redelivered) NewRecords(TeacherDelivery delivery)
    {
        var records = new List<TeacherRecord>(delivery.Records.Count);
        var ids = new List<Guid>(delivery.Records.Count);
        var seen = new HashSet<Guid>();
        for (var i = 0; i < delivery.Records.Count; i++)
        {
            var id = delivery.RecordIds[i];
            if (!_used.Contains(id) && seen.Add(id))
            {
                records.Add(delivery.Records[i]);
                ids.Add(id);
            }
        }

        var redelivered = delivery.Records.Count - records.Count;
        if (redelivered > 0)
        {
            instruments.TeacherRecordsRedelivered.Add(redelivered);
            logger.LogWarning("{Count} teacher records were handed over again after a round had used them; acknowledged without training.", redelivered);
        }

        if (delivery.Undecodable > 0)
        {
            instruments.TeacherRecordsDropped.Add(delivery.Undecodable, new KeyValuePair<string, object?>(TeacherRefusal.Tag, TeacherRefusal.Undecodable));
        }

        return (records, ids, redelivered);
    }

    /// <summary>
    /// Records a round in one state write: its record ids in the ledger, its outcome and counts, and an accepted
    /// candidate to publish. False when the write fails: the state is as stored again and the delivery is returned.
    /// </summary>
    private async Task<bool> RecordAsync(TeacherDelivery delivery, List<Guid> ids, int redelivered, DistillationOutcome outcome, PendingPublication? candidate)
    {
        var before = Stored.Copy();
        var round = Stored.LastRound + 1;
        Stored.LastRound = round;
        Stored.Ledger.Add(LedgerRound.Of(round, time.GetUtcNow(), outcome, ids));
        Stored.Pending = candidate;
        Stored.RecordsRedelivered += redelivered;
        Stored.RecordsRefused += delivery.Undecodable;
        switch (outcome)
        {
            case DistillationOutcome.Accepted: Stored.RoundsAccepted++; Stored.RecordsTrained += ids.Count; break;
            case DistillationOutcome.Rejected: Stored.RoundsRejected++; Stored.RecordsTrained += ids.Count; break;
            default: Stored.RoundsFailed++; Stored.RecordsRefused += ids.Count; break;
        }

        PruneLedger();
        if (!await WriteAsync(before))
        {
            await ReturnQuietlyAsync(delivery);
            return false;
        }

        foreach (var id in ids)
        {
            _used.Add(id);
        }

        return true;
    }

    /// <summary>
    /// The threshold for the round's small model and judge, and the large share it promises: re-calibrated on the
    /// calibration rows when the serving threshold is a calibrated one; the serving threshold, uncalibrated, when it was
    /// set by hand (an operator's choice stays until they change it). A calibration that fails keeps the serving threshold.
    /// </summary>
    private async Task<(double? Threshold, double? CalibratedLargeShare, RoutingScore Score)> CalibrateAsync(ServingVersion incumbent, IClassifier small, IClassifier judge)
    {
        if (incumbent.CalibratedLargeShare is null)
        {
            return (null, null, incumbent.Score);
        }

        try
        {
            var calibrated = await Task.Factory.StartNew(
                () => source.Calibrator.Calibrate(small, judge), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            logger.LogInformation(
                "Re-calibrated the threshold ({Rule}) for the round's models: {Before} -> {Threshold}, large share {Share:P2}, accuracy {Accuracy:P2} on {Rows} rows.",
                source.Calibrator.Rule, incumbent.Threshold, calibrated.Epsilon, calibrated.ExpectedLargeShare, calibrated.ExpectedAccuracy, calibrated.Count);
            return (source.Calibrator.ServingThreshold(calibrated), calibrated.ExpectedLargeShare, source.Calibrator.Score.ToRoutingScore());
        }
        catch (Exception e)
        {
            logger.LogError(e, "Re-calibrating the threshold failed; the round publishes with the serving threshold {Threshold}.", incumbent.Threshold);
            return (incumbent.Threshold, incumbent.CalibratedLargeShare, incumbent.Score);
        }
    }

    /// <summary>Publishes a recorded candidate, then clears it from the state (a failed clearing is redone at the next round).</summary>
    private async Task<ServingVersion> PublishAsync(IModelRegistryGrain registry, PendingPublication candidate)
    {
        var current = await registry.GetCurrentAsync()
            ?? throw new InvalidOperationException($"Model '{this.GetPrimaryKeyString()}' has no serving version to publish a distilled candidate after.");
        // A candidate calibrated while a calibrated threshold serves brings its own. Otherwise the threshold serving
        // now stays (an operator may have set it while the round trained), uncalibrated for these models.
        var (threshold, share, score) = candidate.Threshold is { } calibrated && current.CalibratedLargeShare is not null
            ? (calibrated, candidate.CalibratedLargeShare, candidate.Score)
            : (current.Threshold, (double?)null, current.Score);
        var serving = await registry.PublishAsync(
            new ServingProposal(candidate.Small, candidate.Judge, threshold, $"distillation round {candidate.Round}") { CalibratedLargeShare = share, Score = score });
        var before = Stored.Copy();
        Stored.Pending = null;
        await WriteAsync(before);
        return serving;
    }

    /// <summary>Publishes a candidate recorded by an earlier round unless the registry already holds it; says what it did.</summary>
    private async Task<string> PublishPendingAsync(IModelRegistryGrain registry, PendingPublication pending)
    {
        var history = await registry.GetHistoryAsync();
        var held = Array.Find(history, v => v.Small == pending.Small && v.Judge == pending.Judge);
        if (held is not null)
        {
            var before = Stored.Copy();
            Stored.Pending = null;
            await WriteAsync(before);
            return $"round {pending.Round}'s candidate was already published as serving version {held.Version}";
        }

        var serving = await PublishAsync(registry, pending);
        return $"published round {pending.Round}'s recorded candidate as serving version {serving.Version}";
    }

    /// <summary>Writes the state; on failure puts back <paramref name="before"/> (as stored) and says false.</summary>
    private async Task<bool> WriteAsync(DistillationState before)
    {
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Writing the distillation state failed.");
            state.State = before;
            if (e is InconsistentStateException || e.InnerException is InconsistentStateException)
            {
                // Another activation wrote meanwhile (a silo thought dead came back): start from what it stored.
                try
                {
                    await state.ReadStateAsync();
                }
                catch (Exception readFailure)
                {
                    logger.LogError(readFailure, "Reading the distillation state back failed; the grain deactivates to start from storage.");
                    DeactivateOnIdle();
                }
            }

            IndexLedger();
            return false;
        }
    }

    /// <summary>
    /// Drops the oldest ledger rounds that are older than the retention (keeping at least the newest few), and any
    /// beyond the id cap (with a warning when they are still inside the retention).
    /// </summary>
    private void PruneLedger()
    {
        var ledger = Stored.Ledger;
        var oldest = time.GetUtcNow() - TimeSpan.FromSeconds(_schedule.LedgerRetentionSeconds);
        var total = 0L;
        foreach (var round in ledger)
        {
            total += round.Count;
        }

        var drop = 0;
        while (drop < ledger.Count - 1)
        {
            var round = ledger[drop];
            var expired = round.RecordedUtc < oldest && ledger.Count - drop > _schedule.LedgerMinRounds;
            var overCap = total > _schedule.LedgerMaxRecordIds;
            if (!expired && !overCap)
            {
                break;
            }

            if (!expired)
            {
                logger.LogWarning(
                    "The distillation ledger drops round {Round} ({Count} ids) inside its retention: more than Kcm:Distillation:LedgerMaxRecordIds ({Max}) ids.",
                    round.Round, round.Count, _schedule.LedgerMaxRecordIds);
            }

            total -= round.Count;
            drop++;
        }

        if (drop > 0)
        {
            ledger.RemoveRange(0, drop);
            IndexLedger();
        }
    }

    private void IndexLedger()
    {
        _used.Clear();
        foreach (var round in Stored.Ledger)
        {
            for (var i = 0; i < round.Count; i++)
            {
                _used.Add(round.IdAt(i));
            }
        }
    }

    private async Task AcknowledgeQuietlyAsync(TeacherDelivery delivery, int used)
    {
        try
        {
            await queue.AcknowledgeAsync(delivery, CancellationToken.None);
            if (used > 0)
            {
                instruments.TeacherRecordsConsumed.Add(used);
            }
        }
        catch (Exception e)
        {
            // The round is recorded: records that come back are recognised by the ledger and acknowledged then.
            logger.LogError(e, "Acknowledging {Count} teacher records failed; they come back and are acknowledged without training.", delivery.Records.Count);
        }
    }

    private async Task ReturnQuietlyAsync(TeacherDelivery delivery)
    {
        try
        {
            await queue.ReturnAsync(delivery, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Unacknowledged records come back anyway (a shared queue's lease ends).
            logger.LogError(e, "Returning {Count} teacher records failed.", delivery.Records.Count);
        }
    }

    /// <summary>A failed round's result that recorded nothing, counted in the stored state (written with the next write).</summary>
    private DistillationRoundResult Failed(ServingVersion? serving, int samples, DistillationResult? small, string detail, string? judgeDetail)
    {
        Stored.RoundsFailed++;
        return serving is null
            ? new DistillationRoundResult(DistillationOutcome.Failed, 0, 0, null, samples, null, null, detail, null, null)
            : Result(DistillationOutcome.Failed, serving, null, samples, small, detail, null, judgeDetail);
    }

    /// <summary>The serving small model and judge: this silo's snapshot when it serves that version, else loaded from the store (verified).</summary>
    private async Task<(IClassifier Small, IClassifier Judge)> IncumbentsAsync(ServingVersion version)
    {
        if (snapshots.Current is { } snapshot && snapshot.Version.Small == version.Small && snapshot.Version.Judge == version.Judge)
        {
            return (snapshot.Small, snapshot.Judge);
        }

        var small = codec.Decode(await store.LoadAsync(version.Small.Series, version.Small.Version, CancellationToken.None));
        var judge = codec.Decode(await store.LoadAsync(version.Judge.Series, version.Judge.Version, CancellationToken.None));
        return (small, judge);
    }

    private static DistillationRoundResult Result(
        DistillationOutcome outcome, ServingVersion serving, int? candidateVersion, int samples, DistillationResult? small, string detail, int? judgeVersion, string? judgeDetail) =>
        new(outcome, serving.Version, serving.Small.Version, candidateVersion, samples, small?.CheckAccuracyAfter, small?.CheckAccuracyBefore, detail, judgeVersion, judgeDetail);
}
