namespace Kcm.Placement.Tests;

/// <summary>Role list parsing (silo configuration) and the lenient check the placement filter applies to silo metadata.</summary>
public sealed class SiloRolesTests
{
    [Theory]
    [InlineData("gpu", new[] { "gpu" })]
    [InlineData(" distiller , GPU ,gpu,", new[] { "gpu", "distiller" })]
    [InlineData("cpu,gpu,distiller", new[] { "gpu", "cpu", "distiller" })]
    [InlineData("", new string[0])]
    [InlineData(null, new string[0])]
    public void Parse_GivesDistinctCanonicalRolesInCanonicalOrder(string? roles, string[] expected) =>
        Assert.Equal(expected, SiloRoles.Parse(roles));

    [Theory]
    [InlineData("gpu,gpus", "gpus")]
    [InlineData("cpu, tpu", "tpu")]
    public void Parse_UnknownRole_ThrowsNamingIt(string roles, string unknown)
    {
        var exception = Assert.Throws<ArgumentException>(() => SiloRoles.Parse(roles));

        Assert.Equal("roles", exception.ParamName);
        Assert.Contains($"Unknown silo role '{unknown}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("gpu, cpu, distiller", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpu", "gpu", true)]
    [InlineData("cpu,gpu", "gpu", true)]
    [InlineData("cpu, GPU", "gpu", true)]
    [InlineData("cpu,quantum", "gpu", false)]
    [InlineData("gpus", "gpu", false)]
    [InlineData("", "gpu", false)]
    [InlineData(null, "gpu", false)]
    public void Contains_ToleratesRolesItDoesNotKnow(string? roles, string role, bool expected) =>
        Assert.Equal(expected, SiloRoles.Contains(roles, role));
}
