namespace Kcm.Abstractions.Classification;

/// <summary>
/// The large model could not be opened on its silo (e.g. the CUDA provider on a machine without a GPU); the message
/// carries the provider's own. Not retriable on that silo: its configuration or machine must change.
/// </summary>
[GenerateSerializer, Alias("kcm.large-model-unavailable")]
public sealed class LargeModelUnavailableException : Exception
{
    public LargeModelUnavailableException()
        : base("The large model could not be opened.")
    {
    }

    public LargeModelUnavailableException(string message)
        : base(message)
    {
    }

    public LargeModelUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
