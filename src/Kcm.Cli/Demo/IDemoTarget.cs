namespace Kcm.Cli.Demo;

/// <summary>
/// What the demo sends its traffic to and reads its figures from: the embedded Orleans silo or the local Orleans cluster,
/// both through the Orleans client (<see cref="OrleansDemoTarget"/>). One traffic loop drives either.
/// </summary>
internal interface IDemoTarget
{
    /// <summary>Where the traffic goes, for people.</summary>
    string Address { get; }

    /// <summary>Classifies <paramref name="rows"/> samples (features row after row); every row answered, or an exception.</summary>
    Task<DemoAnswer> ClassifyAsync(ReadOnlyMemory<float> features, int rows, CancellationToken cancellationToken);

    /// <summary>The serving version now: threshold, small model version and the small model versions kept.</summary>
    Task<ServingFigures> ReadServingAsync(CancellationToken cancellationToken);

    /// <summary>Distillation rounds by outcome and teacher records queued and consumed, since the run started.</summary>
    Task<DistillationFigures> ReadDistillationAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends the server-side time of every answered batch, by route, to <paramref name="sink"/> from now on (null stops).
    /// </summary>
    void RecordServerLatencies(ServerLatencies? sink);
}
