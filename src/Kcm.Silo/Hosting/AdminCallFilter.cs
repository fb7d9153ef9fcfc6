using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Kcm.Abstractions.Security;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Hosting;

/// <summary>
/// Refuses <see cref="AdminCallAttribute"/> grain calls that come from an Orleans client through a gateway without the
/// silos' admin token (<see cref="KcmSiloOptions.AdminToken"/>) in <c>RequestContext</c>; with no token configured, the
/// silos refuse every such call from a client (as the HTTP admin API answers 403). Calls made inside the cluster pass:
/// grain to grain (the distillation grain publishing through the registry) and a silo's own hosted client (its HTTP
/// API, which checked the bearer token itself, and its start-up seeding). The caller's kind is read from the call's
/// source id: an external client's id is a client id, the hosted client's is a client id named <c>hosted-&lt;silo&gt;</c>.
/// </summary>
internal sealed class AdminCallFilter(IOptions<KcmSiloOptions> options) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, bool> AdminMethods = new();

    private readonly byte[]? _token = options.Value.AdminToken is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        var credential = RequestContext.Get(AdminCredential.RequestContextKey);
        if (credential is not null)
        {
            // Checked once, here: it must not travel on into the calls this one makes (a grain may call a client's observer).
            RequestContext.Remove(AdminCredential.RequestContextKey);
        }

        if (IsAdmin(context.InterfaceMethod) && context.SourceId is { } source && IsExternalClient(source) && Refusal(credential) is { } refusal)
        {
            throw new AdminCallRefusedException(
                $"{context.InterfaceMethod.DeclaringType?.Name}.{context.InterfaceMethod.Name} is an admin call: {refusal}");
        }

        return context.Invoke();
    }

    /// <summary>Why <paramref name="credential"/> does not admit the call, or null when it does.</summary>
    private string? Refusal(object? credential)
    {
        if (_token is null)
        {
            return "the silos have no admin token configured (Kcm:AdminToken), so admin calls from clients are disabled.";
        }

        if (credential is not string given || given.Length == 0)
        {
            return "the client carries no admin credential (KcmClientOptions.AdminToken).";
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token)
            ? null
            : "the client's admin credential is not the silos' admin token.";
    }

    private static bool IsAdmin(MethodInfo method) =>
        AdminMethods.GetOrAdd(method, static m => m.GetCustomAttribute<AdminCallAttribute>() is not null);

    /// <summary>A client outside the silos: a client id that is not a silo's hosted client.</summary>
    private static bool IsExternalClient(GrainId source) =>
        source.IsClient() && !source.Key.AsSpan().StartsWith("hosted-"u8);
}
