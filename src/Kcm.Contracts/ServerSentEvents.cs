namespace Kcm.Contracts;

/// <summary>Event names of the generation stream (<see cref="KcmMediaTypes.EventStream"/>).</summary>
public static class ServerSentEvents
{
    public const string Token = "token";
    public const string Done = "done";
    public const string Error = "error";
}
