namespace Kcm.Silo.Hosting;

/// <summary>The configured ensemble (<c>Kcm:Ensemble:Manifest</c>) could not be loaded, so the silo does not start.</summary>
public sealed class EnsembleStartException(string message, Exception inner) : Exception(message, inner);
