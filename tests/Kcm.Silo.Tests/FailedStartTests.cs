using Kcm.Silo.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Kcm.Silo.Tests;

/// <summary>
/// A silo whose start fails part-way (a lifecycle stage throws after the runtime's own stages started) must leave
/// nothing running once disposed: Orleans refuses to stop a silo that never ran, and its started stages (the grain
/// directory among them) would otherwise keep spinning on every core for the rest of the process.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class FailedStartTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task FailedStart_ThenDispose_LeavesNoBusyCpu()
    {
        // The process is not idle when this test starts: the collection's earlier tests (a 10,000-request fuzz run among
        // them) leave tiered JIT and GC work behind, more of it on a machine with more cores. So the same window is
        // measured before the silo exists, and the check is on the difference.
        await Task.Delay(500);
        var baselineStart = ThreadCpu.Read();
        await Task.Delay(Window);
        var baselineEnd = ThreadCpu.Read();
        var baseline = baselineEnd.SecondsSince(baselineStart);

        var store = Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        var host = TestSilo.Create(store, new CapturedLogs(), configure: builder =>
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, FailingStage>());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        await host.DisposeAsync();

        Assert.Contains(FailingStage.Message, Flatten(error), StringComparison.Ordinal);
        await Task.Delay(500); // let the disposal's own continuations finish
        var start = ThreadCpu.Read();
        await Task.Delay(Window);
        var end = ThreadCpu.Read();
        var used = end.SecondsSince(start);
        // A timer or loop left spinning takes a whole core: 3 s of CPU more than the window before the silo.
        Assert.True(used - baseline < 1.5,
            $"the process used {used:F2} s of CPU in the {Window.TotalSeconds:F0} s after the failed silo was disposed, against " +
            $"{baseline:F2} s before it was made; busiest threads after: {end.Busiest(start, 5)}; before: {baselineEnd.Busiest(baselineStart, 5)}");
        if (Directory.Exists(store))
        {
            Directory.Delete(store, recursive: true);
        }
    }

    private static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        return string.Join(" | ", messages);
    }

    /// <summary>Fails the silo's start at the application-services stage, after the runtime's stages have started.</summary>
    private sealed class FailingStage : ILifecycleParticipant<ISiloLifecycle>
    {
        public const string Message = "This stage fails on purpose.";

        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(FailingStage), ServiceLifecycleStage.ApplicationServices,
                _ => throw new InvalidOperationException(Message), _ => Task.CompletedTask);
    }
}
