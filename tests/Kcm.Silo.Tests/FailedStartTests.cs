using System.Diagnostics;
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
    [Fact]
    public async Task FailedStart_ThenDispose_LeavesNoBusyCpu()
    {
        var store = Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        var host = TestSilo.Create(store, new CapturedLogs(), configure: builder =>
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, FailingStage>());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        await host.DisposeAsync();

        Assert.Contains(FailingStage.Message, Flatten(error), StringComparison.Ordinal);
        var process = Process.GetCurrentProcess();
        await Task.Delay(500); // let the disposal's own continuations finish
        process.Refresh();
        var before = process.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(3));
        process.Refresh();
        var used = process.TotalProcessorTime - before;
        // A timer or loop left spinning takes a whole core (3 s of CPU here); background JIT recompilation and GC of the
        // earlier tests take up to about half a second on a loaded machine, so the bound sits between the two.
        Assert.True(used < TimeSpan.FromSeconds(1.2), $"the process used {used.TotalSeconds:F2} s of CPU in the 3 s after the failed silo was disposed");
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
