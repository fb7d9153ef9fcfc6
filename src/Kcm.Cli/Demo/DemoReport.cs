using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>
/// Everything one demo run measured; printed as a table and written as JSON. <c>ReadySeconds</c> runs from starting the
/// silo until it served (judge and first small model trained on the seed split); <c>DistillationRounds</c> counts the
/// rounds of the whole run by outcome (accepted rounds are hot-swaps); <c>SmallModelVersions</c> are the versions kept
/// for rollback at the end (on the Orleans silo: those the registry's history names), with their check-set accuracy.
/// </summary>
internal sealed record DemoReport(
    DateTimeOffset StartedUtc,
    DemoOptions Options,
    LargeModelCheck LargeModel,
    double ReadySeconds,
    double Threshold,
    PhaseResult Traffic,
    PhaseResult Test,
    DistillationCounts DistillationRounds,
    double InitialSmallCheckAccuracy,
    int FinalSmallVersion,
    SmallModelVersionInfo[] SmallModelVersions,
    double TotalSeconds);
