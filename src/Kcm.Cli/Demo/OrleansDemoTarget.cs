using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Client;
using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>
/// An Orleans silo or cluster as the demo's target: traffic and admin reads through the Orleans client. On the embedded
/// silo the records it queued and its batch latencies come from the silo's own metrics (<see cref="SiloMeterReadings"/>);
/// on a cluster of silo processes (no metrics in this process) the records queued are the large-route answers this
/// target received (each one a teacher record its gpu silo queued) and no server latencies are recorded. Distillation
/// figures count from <paramref name="start"/>, the grain's status when the run began (a running cluster keeps its
/// counts in grain state).
/// </summary>
internal sealed class OrleansDemoTarget(KcmClient client, string model, SiloMeterReadings? meters, string address, DistillationStatus? start = null)
    : IDemoTarget
{
    /// <summary>Tries of a batch the silo turned away for a reason that passes (overloaded, deadline), as the HTTP client retries 429 and 503.</summary>
    private const int MaxAttempts = 3;

    private readonly DistillationStatus _start = start ?? new DistillationStatus(0, 0, 0, 0, 0, false);
    private long _largeAnswers;

    public string Address => address;

    /// <summary>
    /// The target of a cluster of silo processes: its distillation figures count from the grain's status read now, and
    /// records queued are counted from the large-route answers.
    /// </summary>
    public static async Task<OrleansDemoTarget> ForClusterAsync(KcmClient client, string model, string address, CancellationToken cancellationToken)
    {
        var start = await client.GetDistillationStatusAsync(model, cancellationToken).ConfigureAwait(false);
        return new OrleansDemoTarget(client, model, meters: null, address, start);
    }

    public async Task<DemoAnswer> ClassifyAsync(ReadOnlyMemory<float> features, int rows, CancellationToken cancellationToken)
    {
        // The message owns its features: one copy of this batch's rows.
        var batch = features.ToArray();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await client.ClassifyAsync(model, batch, rows, returnProbabilities: false, cancellationToken).ConfigureAwait(false);
                var routes = new InferenceRoute[rows];
                var large = 0;
                for (var i = 0; i < rows; i++)
                {
                    routes[i] = result.Routes[i] == SampleRoute.Small ? InferenceRoute.Small : InferenceRoute.Large;
                    large += routes[i] == InferenceRoute.Large ? 1 : 0;
                }

                Interlocked.Add(ref _largeAnswers, large);
                return new DemoAnswer(result.Labels, routes, result.SmallModelVersion);
            }
            catch (KcmException e) when (e.Retriable && attempt < MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<ServingFigures> ReadServingAsync(CancellationToken cancellationToken)
    {
        var current = await client.GetServingVersionAsync(model, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The silo serves no version of '{model}'.");
        var history = await client.GetServingHistoryAsync(model, cancellationToken).ConfigureAwait(false);
        SmallModelVersionInfo[] kept =
        [
            .. history.Select(v => v.Small).DistinctBy(s => s.Version).OrderBy(s => s.Version)
                .Select(s => new SmallModelVersionInfo(s.Version, s.CreatedUtc, s.Sha256, s.CheckAccuracy)),
        ];
        return new ServingFigures(current.Threshold, current.Small.Version, current.Small.CheckAccuracy, kept);
    }

    public async Task<DistillationFigures> ReadDistillationAsync(CancellationToken cancellationToken)
    {
        // Consumed first, queued after: every record a round had consumed was queued before, so what the distiller owes
        // never reads below the truth (the catch-up between waves never ends early).
        var status = await client.GetDistillationStatusAsync(model, cancellationToken).ConfigureAwait(false);
        var queued = meters?.RecordsQueued ?? Interlocked.Read(ref _largeAnswers);
        // Records a round refused are settled too: no round will train on them.
        var settled = status.RecordsConsumed - _start.RecordsConsumed + status.RecordsRefused - _start.RecordsRefused;
        return new DistillationFigures(DistillationCounts.From(status).Since(DistillationCounts.From(_start)), queued, settled);
    }

    public void RecordServerLatencies(ServerLatencies? sink) => meters?.RecordServerLatencies(sink);
}
