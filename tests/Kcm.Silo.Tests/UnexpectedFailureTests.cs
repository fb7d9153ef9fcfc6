using System.Net;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests;

/// <summary>An exception nobody expected is answered 500 problem+json <c>internal</c> and logged as an error, and the silo keeps serving.</summary>
public sealed class UnexpectedFailureTests
{
    [Fact]
    public async Task ThrowingHandler_Answers500Internal_LogsIt_AndTheSiloKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync(configure: builder => builder.Services.AddSingleton<IStartupFilter>(new ThrowingRoute()));

        using var response = await silo.Http.GetAsync(ThrowingRoute.Path);
        using var ready = await silo.Http.GetAsync(KcmRoutes.Readyz);

        var problem = await Problems.AssertAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.Internal);
        Assert.DoesNotContain(ThrowingRoute.Message, problem.Detail, StringComparison.Ordinal);
        Assert.Contains(silo.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains(ThrowingRoute.Path, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>A route behind the host's own pipeline (reached when no endpoint matched) that throws.</summary>
    private sealed class ThrowingRoute : IStartupFilter
    {
        public const string Path = "/test/throw";
        public const string Message = "A bug nobody expected.";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((context, following) => context.Request.Path == Path ? throw new InvalidOperationException(Message) : following(context));
        };
    }
}
