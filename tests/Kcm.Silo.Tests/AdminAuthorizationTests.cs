using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>The admin routes: disabled (403) without a configured token, 401 without or with a wrong bearer token.</summary>
public sealed class AdminAuthorizationTests
{
    [Fact]
    public async Task NoConfiguredToken_AdminRoutesAnswerAdminDisabled()
    {
        await using var silo = await TestSilo.StartAsync(withAdminToken: false, waitUntilReady: false);

        foreach (var request in AdminRequests("any-token-at-all"))
        {
            using var response = await silo.Http.SendAsync(request);
            await Problems.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.AdminDisabled);
        }
    }

    [Fact]
    public async Task MissingOrWrongToken_AdminRoutesAnswerUnauthorized()
    {
        await using var silo = await TestSilo.StartAsync(waitUntilReady: false);

        foreach (var token in new string?[] { null, "not-the-admin-token" })
        {
            foreach (var request in AdminRequests(token))
            {
                using var response = await silo.Http.SendAsync(request);
                await Problems.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            }
        }
    }

    private static IEnumerable<HttpRequestMessage> AdminRequests(string? token)
    {
        var requests = new[]
        {
            new HttpRequestMessage(HttpMethod.Put, KcmRoutes.ThresholdPath(TestSilo.Model))
            {
                Content = JsonContent.Create(new ThresholdRequest(0.5), KcmJsonContext.Default.ThresholdRequest),
            },
            new HttpRequestMessage(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model)),
            new HttpRequestMessage(HttpMethod.Post, KcmRoutes.DistillPath(TestSilo.Model)),
        };
        foreach (var request in requests)
        {
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            yield return request;
        }
    }
}
