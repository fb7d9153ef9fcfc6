namespace Kcm.Storage.Tests.Grains;

/// <summary>Records each reminder tick with the silo it arrived on.</summary>
public sealed class ReminderProbeGrain(TickLog ticks, TimeProvider time) : Grain, IReminderProbeGrain
{
    /// <summary>The one reminder this grain registers.</summary>
    public const string ReminderName = "round";

    public Task StartAsync(TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, dueTime, period);

    public async Task StopAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ticks.Record(new ReminderTick(this.GetPrimaryKeyString(), reminderName, RuntimeIdentity, time.GetUtcNow()));
        return Task.CompletedTask;
    }
}
