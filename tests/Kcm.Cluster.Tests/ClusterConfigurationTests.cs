using Kcm.Silo.Hosting;

namespace Kcm.Cluster.Tests;

public sealed class ClusterConfigurationTests
{
    [Fact]
    public void The_default_is_all_three_roles_embedded_named_after_the_host()
    {
        var options = new KcmSiloOptions();

        options.Validate();

        Assert.Equal(SiloRoles.All, options.ParsedRoles);
        Assert.Null(options.RabbitMq.Uri);
        Assert.Equal(Environment.MachineName, options.EffectiveNodeId);
    }

    [Theory]
    [InlineData("front", SiloRoles.Front)]
    [InlineData("large, distiller", SiloRoles.Large | SiloRoles.Distiller)]
    [InlineData("Front,LARGE,distiller", SiloRoles.All)]
    public void Roles_parse_in_any_combination(string text, SiloRoles expected)
    {
        var options = new KcmSiloOptions { Roles = text, RabbitMq = new RabbitMqSettings { Uri = "amqp://guest:guest@127.0.0.1:5672/" } };

        options.Validate();

        Assert.Equal(expected, options.ParsedRoles);
        Assert.Equal(expected.HasFlag(SiloRoles.Front), SiloRoleNames.Format(expected).Contains("front", StringComparison.Ordinal));
    }

    [Fact]
    public void Some_roles_without_a_broker_are_refused_with_the_key_to_set()
    {
        var options = new KcmSiloOptions { Roles = "front" };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("Kcm:RabbitMq:Uri is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_cluster_setting_is_named_in_one_error()
    {
        var options = new KcmSiloOptions { Roles = "front,gpu", NodeId = "a b", RabbitMq = new RabbitMqSettings { Uri = "http://broker" } };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("'gpu' is not a role", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kcm:NodeId", error.Message, StringComparison.Ordinal);
        Assert.Contains("amqp://", error.Message, StringComparison.Ordinal);
    }
}
