namespace Kcm.Abstractions.Security;

/// <summary>
/// How a client proves it may make <see cref="AdminCallAttribute"/> calls: the silos' admin token (the one the HTTP
/// admin API takes as a bearer token) in Orleans' <c>RequestContext</c> under <see cref="RequestContextKey"/>.
/// </summary>
public static class AdminCredential
{
    /// <summary>The <c>RequestContext</c> key of the admin token; the one name the client SDK and the silos share.</summary>
    public const string RequestContextKey = "kcm-admin-token";
}
