using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Kcm.Placement.Tests;

/// <summary>AddKcmPlacement's registrations, checked on a silo host that is built but never started.</summary>
public sealed class SiloBuilderPlacementExtensionsTests
{
    [Fact]
    public void AddKcmPlacement_WritesTheCanonicalRoleListAndRegistersBothFilters()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.AddKcmPlacement("distiller, GPU"));
        using var host = builder.Build();

        var metadata = host.Services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata;
        Assert.Equal("gpu,distiller", metadata[SiloRoles.MetadataKey]);

        // Registrations, not instances: resolving a director needs the silo metadata cache, hence a running membership.
        foreach (var strategy in new[] { typeof(GpuPlacementFilterStrategy), typeof(DistillerPlacementFilterStrategy) })
        {
            Assert.Single(builder.Services, service => service.ServiceType == typeof(IPlacementFilterDirector)
                && Equals(service.ServiceKey, strategy) && service.KeyedImplementationType == typeof(RolePlacementFilterDirector));
            Assert.Single(builder.Services, service => service.ServiceType == typeof(PlacementFilterStrategy)
                && Equals(service.ServiceKey, strategy.Name) && service.KeyedImplementationType == strategy);
        }
    }

    [Fact]
    public void AddKcmPlacement_UnknownRole_ThrowsNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();

        var exception = Assert.Throws<ArgumentException>(() => builder.UseOrleans(silo => silo.AddKcmPlacement("gpu,gpus")));

        Assert.Contains("'gpus'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddKcmPlacement_AfterSiloMetadataIsConfigured_Throws()
    {
        var builder = Host.CreateApplicationBuilder();

        var exception = Assert.Throws<InvalidOperationException>(() => builder.UseOrleans(silo =>
        {
            silo.UseSiloMetadata(new Dictionary<string, string> { ["zone"] = "a" });
            silo.AddKcmPlacement("cpu");
        }));

        Assert.Contains("already configured", exception.Message, StringComparison.Ordinal);
    }
}
