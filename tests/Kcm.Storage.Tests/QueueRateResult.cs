namespace Kcm.Storage.Tests;

/// <summary>One queue rate measurement: how many messages of one size went in and came out, and how long each took.</summary>
public sealed record QueueRateResult(int PayloadBytes, int InFlight, int Sent, int Received, TimeSpan SendTime, TimeSpan ReceiveTime)
{
    public double SentPerSecond => Sent / SendTime.TotalSeconds;

    /// <summary>Messages received and deleted per second (a consumer must do both).</summary>
    public double ReceivedPerSecond => Received / ReceiveTime.TotalSeconds;
}
