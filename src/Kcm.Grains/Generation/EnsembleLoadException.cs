namespace Kcm.Grains.Generation;

/// <summary>The configured ensemble manifest (or a member folder it names) does not load; the silo does not start.</summary>
public sealed class EnsembleLoadException(string message, Exception inner) : Exception(message, inner);
