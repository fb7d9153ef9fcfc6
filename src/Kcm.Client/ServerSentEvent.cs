namespace Kcm.Client;

/// <summary>One dispatched server-sent event: its name ("message" when the server named none) and its data lines joined by '\n'.</summary>
internal readonly record struct ServerSentEvent(string Name, string Data);
