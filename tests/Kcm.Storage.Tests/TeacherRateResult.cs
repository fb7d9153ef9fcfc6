namespace Kcm.Storage.Tests;

/// <summary>What one teacher-queue measurement moved: records end to end into the queue, and taken out of it.</summary>
/// <param name="Records">Records enqueued (all accepted: the buffer holds them all).</param>
/// <param name="Messages">Messages they were packed into.</param>
/// <param name="EnqueueSeconds">First TryEnqueue until the last message was sent.</param>
/// <param name="Taken">Records taken and acknowledged (each record once when nothing is lost or duplicated).</param>
/// <param name="Distinct">Distinct record numbers among those taken.</param>
/// <param name="TakeSeconds">First take until the queue was empty, every delivery acknowledged.</param>
public sealed record TeacherRateResult(int Records, long Messages, double EnqueueSeconds, int Taken, int Distinct, double TakeSeconds)
{
    public double EnqueuedPerSecond => Records / EnqueueSeconds;

    public double MessagesPerSecond => Messages / EnqueueSeconds;

    public double TakenPerSecond => Taken / TakeSeconds;
}
