namespace Kcm.Storage.Tests.Grains;

/// <summary>One reminder tick: which grain, which reminder, on which silo, when.</summary>
public sealed record ReminderTick(string GrainKey, string ReminderName, string Silo, DateTimeOffset At);
