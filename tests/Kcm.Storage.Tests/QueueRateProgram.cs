using System.Globalization;
using Kcm.Testing;

namespace Kcm.Storage.Tests;

/// <summary>
/// The test output doubles as a console that prints Azurite's figures on this machine (docs/storage.md):
/// <c>dotnet tests/Kcm.Storage.Tests/bin/Release/net10.0/Kcm.Storage.Tests.dll queue-rate [messages-at-1KiB]</c>
/// (the raw queue client) and <c>... teacher-rate [records]</c> (the packed teacher queue).
/// Test runners load the assembly and never call this.
/// </summary>
public static class QueueRateProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["teacher-rate", ..])
        {
            return await TeacherRateAsync(args).ConfigureAwait(false);
        }

        if (args.Length is < 1 or > 2 || args[0] != "queue-rate"
            || (args.Length == 2 && !(int.TryParse(args[1], CultureInfo.InvariantCulture, out var parsed) && parsed >= 32)))
        {
            await Console.Error.WriteLineAsync("usage: Kcm.Storage.Tests.dll queue-rate [messages at 1 KiB, >= 32; a quarter of them at 48 KiB]").ConfigureAwait(false);
            return 2;
        }

        var smallCount = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        await using var azurite = await AzuriteServer.StartAsync().ConfigureAwait(false);
        Console.WriteLine(Invariant($"Azurite {AzuriteServer.Version} started in {azurite.LastStartDuration.TotalSeconds:F2} s (node launch until blob, queue and table ports answer)"));
        await azurite.StopAsync().ConfigureAwait(false);
        await azurite.StartAgainAsync().ConfigureAwait(false);
        Console.WriteLine(Invariant($"restarted on the same --location in {azurite.LastStartDuration.TotalSeconds:F2} s"));
        Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores; one QueueClient; receive = receive in batches of 32 + delete each"));
        Console.WriteLine("payload   in flight  messages   sent/s   received+deleted/s   payload MiB/s sent");
        foreach (var (payload, count) in new[] { (1024, smallCount), (QueueRate.LargestPayloadBytes, Math.Max(8, smallCount / 4)) })
        {
            foreach (var inFlight in new[] { 1, 8 })
            {
                var queue = QueueClients.Create(azurite.ConnectionString, $"rate-{payload}-{inFlight}");
                await queue.CreateIfNotExistsAsync().ConfigureAwait(false);
                var result = await QueueRate.MeasureAsync(queue, payload, count, inFlight).ConfigureAwait(false);
                Console.WriteLine(Invariant(
                    $"{payload / 1024,4} KiB  {inFlight,9}  {result.Sent,8}  {result.SentPerSecond,7:F0}  {result.ReceivedPerSecond,19:F0}  {result.SentPerSecond * payload / (1 << 20),18:F1}"));
                if (result.Received != result.Sent)
                {
                    Console.WriteLine(Invariant($"  LOST: {result.Sent - result.Received} of {result.Sent}"));
                }

                await queue.DeleteAsync().ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static async Task<int> TeacherRateAsync(string[] args)
    {
        if (args.Length > 2 || (args.Length == 2 && !(int.TryParse(args[1], CultureInfo.InvariantCulture, out var parsed) && parsed >= 100)))
        {
            await Console.Error.WriteLineAsync("usage: Kcm.Storage.Tests.dll teacher-rate [records, >= 100]").ConfigureAwait(false);
            return 2;
        }

        var records = args.Length == 2 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
        await using var azurite = await AzuriteServer.StartAsync().ConfigureAwait(false);
        Console.WriteLine(Invariant($"Azurite {AzuriteServer.Version}; {Environment.ProcessorCount} cores; {records} Fashion-MNIST-sized records (3,249 bytes each, 15 per 48 KiB message)"));
        Console.WriteLine("senders  messages  enqueue->sent s  records/s in  messages/s  taken  distinct  take+ack s  records/s out");
        foreach (var senders in new[] { 1, 4, 8 })
        {
            var result = await TeacherRate.MeasureAsync(azurite.ConnectionString, $"teacher-rate-{senders}", records, senders).ConfigureAwait(false);
            Console.WriteLine(Invariant(
                $"{senders,7}  {result.Messages,8}  {result.EnqueueSeconds,15:F2}  {result.EnqueuedPerSecond,12:F0}  {result.MessagesPerSecond,10:F0}  {result.Taken,5}  {result.Distinct,8}  {result.TakeSeconds,10:F2}  {result.TakenPerSecond,13:F0}"));
        }

        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
