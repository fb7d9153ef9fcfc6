namespace Kcm.Storage.Tests.Grains;

/// <summary>A grain woken by a reminder, as the distillation rounds will be; each tick is written to the silo's <see cref="TickLog"/>.</summary>
[Alias("Kcm.Storage.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey, IRemindable
{
    /// <summary>Registers (or updates) the reminder: first tick after <paramref name="dueTime"/>, then every <paramref name="period"/>.</summary>
    [Alias("Start")]
    Task StartAsync(TimeSpan dueTime, TimeSpan period);

    /// <summary>Unregisters the reminder, so it stops firing and leaves the table.</summary>
    [Alias("Stop")]
    Task StopAsync();
}
