namespace Kcm.Core.Routing;

/// <summary>Which model answers a sample.</summary>
public enum RouteTarget
{
    Small,
    Large,
}
