using System.Security.Cryptography;
using System.Text;
using Kcm.Contracts;
using Kcm.Silo.Hosting;

namespace Kcm.Silo.Http;

/// <summary>
/// The admin endpoints' guard: no configured token means the admin API is disabled (403, never open); otherwise the
/// request must carry <c>Authorization: Bearer &lt;token&gt;</c> (compared in constant time) or it gets 401.
/// </summary>
internal static class AdminAuthorization
{
    /// <summary>Writes the refusal and returns false when the request may not use the admin API.</summary>
    public static async Task<bool> AuthorizeAsync(HttpContext context, KcmSiloOptions options)
    {
        if (string.IsNullOrEmpty(options.AdminToken))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, ProblemCodes.AdminDisabled, "Admin API disabled",
                "No admin token is configured (Kcm:AdminToken), so the admin API is disabled.", false).ConfigureAwait(false);
            return false;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        var given = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : string.Empty;
        if (given.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(options.AdminToken)))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, "Unauthorized",
                given.Length == 0 ? "The admin API needs 'Authorization: Bearer <token>'." : "The bearer token is not the admin token.", false)
                .ConfigureAwait(false);
            return false;
        }

        return true;
    }
}
