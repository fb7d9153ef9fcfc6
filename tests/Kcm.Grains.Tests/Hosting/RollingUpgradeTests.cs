using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Grains.Classification;
using Kcm.Grains.Tests.Support;
using Kcm.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Kcm.Grains.Tests.Hosting;

/// <summary>
/// A rolling upgrade's middle: one silo advertising the grain interfaces at version 1 (as they are), one at version 2
/// (the next build), in one cluster. Orleans' version-aware placement and its default BackwardCompatible rule let the
/// version-2 silo serve both versions' callers and the version-1 silo the version-1 callers: both serve. What this does
/// not run is different code behind the two versions (one process loads one build); docs/architecture.md says why.
/// </summary>
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    private const int Rows = 16;

    [Fact]
    public async Task ASiloOfThePreviousInterfaceVersion_BesideOneOfTheNext_BothServe()
    {
        var started = Stopwatch.StartNew();
        await using var serving = await ServingCluster.StartAsync(
            new SharedGrainRecords(),
            roles: _ => string.Join(',', SiloRoles.All),
            configureNamedSilo: (name, silo) =>
            {
                if (name == "Silo_1")
                {
                    silo.Services.AddSingleton<IGrainInterfacePropertiesProvider>(new InterfaceVersionOverride(typeof(IJudgeGrain).Assembly, 2));
                }
            });
        output.WriteLine($"cluster ready after {started.Elapsed.TotalSeconds:0.0} s");

        // The cluster's manifest holds the judge interface at both versions, one per silo.
        var judgeInterface = serving.Services(0).GetRequiredService<GrainInterfaceTypeResolver>().GetGrainInterfaceType(typeof(IJudgeGrain));
        var manifest = serving.Services(0).GetRequiredService<IClusterManifestProvider>().Current;
        var versions = Enumerable.Range(0, 2).Select(i => manifest.Silos[serving.Address(i)].Interfaces[judgeInterface]
            .Properties[WellKnownGrainInterfaceProperties.Version]).ToArray();
        Assert.Equal(["1", "2"], versions);

        // Callers of each version: the old silo's own grain factory (version 1), the new one's (version 2), and the
        // cluster's client (built with version 1) through either gateway.
        var features = TestImages.Rows(0, Rows);
        var callers = new (string Name, IGrainFactory Factory)[]
        {
            ("version-1 silo", serving.Services(0).GetRequiredService<IGrainFactory>()),
            ("version-2 silo", serving.Services(1).GetRequiredService<IGrainFactory>()),
            ("version-1 client", serving.Client),
        };
        var answers = new List<ClassifyResult>();
        foreach (var (name, factory) in callers)
        {
            for (var i = 0; i < 3; i++)
            {
                var result = await factory.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(features, Rows))
                    .WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(result.Status == ClassifyStatus.Completed, $"{name}: {result.Status} {result.Detail}");
                answers.Add(result);
            }
        }

        // The same version of the models answered every caller alike.
        Assert.All(answers, a => Assert.Equal(answers[0].Labels, a.Labels));
        Assert.All(answers, a => Assert.Equal(answers[0].SmallModelVersion, a.SmallModelVersion));

        // Both silos served: each holds judge activations (a stateless worker activates on its caller's silo).
        var statistics = await serving.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var judgeSilos = statistics.Where(s => s.GrainType.Contains(nameof(JudgeGrain), StringComparison.Ordinal) && s.ActivationCount > 0)
            .Select(s => s.SiloAddress).Distinct().ToList();
        output.WriteLine("judge activations on: " + string.Join(", ", judgeSilos));
        Assert.Contains(serving.Address(0), judgeSilos);
        Assert.Contains(serving.Address(1), judgeSilos);
    }
}
