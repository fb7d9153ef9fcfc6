namespace Kcm.Models.Storage;

/// <summary>A model store refused to load a version; the message names the series, version and reason.</summary>
public sealed class ModelStoreException : Exception
{
    public ModelStoreException(string name, int version, ModelStoreFailure failure, string reason, Exception? inner = null)
        : base($"Model store refused '{name}' version {version}: {reason}", inner)
    {
        Name = name;
        Version = version;
        Failure = failure;
        Reason = reason;
    }

    public string Name { get; }

    public int Version { get; }

    public ModelStoreFailure Failure { get; }

    public string Reason { get; }
}
