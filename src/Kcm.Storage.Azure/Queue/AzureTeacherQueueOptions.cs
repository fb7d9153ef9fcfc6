namespace Kcm.Storage.Azure.Queue;

/// <summary>Settings of the teacher queue on Azure Storage Queues (section <c>Kcm:AzureStorage:TeacherQueue</c>).</summary>
public sealed class AzureTeacherQueueOptions
{
    /// <summary>The most record bytes one message carries (Base64 makes 48 KiB into 64 KiB, a queue message's limit).</summary>
    public const int MaxMessageBytesLimit = 48 * 1024;

    /// <summary>Records held in memory until sent; beyond it a record is refused (reason <c>full</c>), so serving never waits.</summary>
    /// <value>Default 20,000; 1 to 10,000,000.</value>
    public int BufferCapacity { get; set; } = 20_000;

    /// <summary>Record bytes packed into one message at most (the message header included).</summary>
    /// <value>Default 49,152 (48 KiB); 1024 to 49,152.</value>
    public int MaxMessageBytes { get; set; } = MaxMessageBytesLimit;

    /// <summary>Messages being sent at once.</summary>
    /// <value>Default 4; 1 to 64.</value>
    public int SendConcurrency { get; set; } = 4;

    /// <summary>How long a sender waits for more records before sending a message that is not full.</summary>
    /// <value>Default 20; 0 to 10,000.</value>
    public int LingerMilliseconds { get; set; } = 20;

    /// <summary>
    /// The visibility timeout of received messages: a delivery not acknowledged comes back this long after its holder
    /// stopped renewing it (renewed every third of it while the delivery is outstanding).
    /// </summary>
    /// <value>Default 60; 1 to 3600.</value>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>The longest wait between retries of a failed send (waits double from 100 ms up to it).</summary>
    /// <value>Default 5000; 100 to 60,000.</value>
    public int RetryMaxMilliseconds { get; set; } = 5000;

    /// <summary>How often the queue's approximate length is read (for <c>Count</c>, an estimate).</summary>
    /// <value>Default 2000; 100 to 60,000.</value>
    public int CountRefreshMilliseconds { get; set; } = 2000;

    /// <summary>How long a stopping silo keeps sending buffered records before it gives up on them (counted <c>unsent-at-stop</c>).</summary>
    /// <value>Default 10; 0 to 300.</value>
    public int StopFlushSeconds { get; set; } = 10;

    /// <summary>The problems with these settings, one message per bad field (empty when valid).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        var problems = new List<string>();
        Check(BufferCapacity is >= 1 and <= 10_000_000, nameof(BufferCapacity), "1 to 10000000", BufferCapacity);
        Check(MaxMessageBytes is >= 1024 and <= MaxMessageBytesLimit, nameof(MaxMessageBytes), $"1024 to {MaxMessageBytesLimit}", MaxMessageBytes);
        Check(SendConcurrency is >= 1 and <= 64, nameof(SendConcurrency), "1 to 64", SendConcurrency);
        Check(LingerMilliseconds is >= 0 and <= 10_000, nameof(LingerMilliseconds), "0 to 10000", LingerMilliseconds);
        Check(LeaseSeconds is >= 1 and <= 3600, nameof(LeaseSeconds), "1 to 3600", LeaseSeconds);
        Check(RetryMaxMilliseconds is >= 100 and <= 60_000, nameof(RetryMaxMilliseconds), "100 to 60000", RetryMaxMilliseconds);
        Check(CountRefreshMilliseconds is >= 100 and <= 60_000, nameof(CountRefreshMilliseconds), "100 to 60000", CountRefreshMilliseconds);
        Check(StopFlushSeconds is >= 0 and <= 300, nameof(StopFlushSeconds), "0 to 300", StopFlushSeconds);
        return problems;

        void Check(bool valid, string field, string range, object value)
        {
            if (!valid)
            {
                problems.Add($"{prefix}{field} must be {range} (was {value}).");
            }
        }
    }
}
