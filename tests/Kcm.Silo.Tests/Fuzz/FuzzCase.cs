namespace Kcm.Silo.Tests.Fuzz;

/// <summary>One generated request: its kind (for the tally) and how to make it.</summary>
internal sealed record FuzzCase(string Kind, HttpRequestMessage Request);
