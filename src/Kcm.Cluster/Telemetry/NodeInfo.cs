using System.Diagnostics.Metrics;

namespace Kcm.Cluster.Telemetry;

/// <summary>
/// <c>kcm_node_info{node,roles,small_version} 1</c>: one series per node naming its roles and the small model version it
/// serves (0 when it serves none), so a dashboard can show a node still on an old version.
/// </summary>
public sealed class NodeInfo
{
    private readonly string _node;
    private readonly string _roles;
    private readonly Func<int> _smallVersion;

    public NodeInfo(string node, string roles, Func<int> smallVersion, ClusterInstruments instruments)
    {
        _node = node;
        _roles = roles;
        _smallVersion = smallVersion;
        instruments.AddGauge("kcm_node_info", "1", "Always 1; the labels name this node, its roles and the small model version it serves.", Observe);
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        yield return new Measurement<double>(
            1,
            new KeyValuePair<string, object?>("node", _node),
            new KeyValuePair<string, object?>("roles", _roles),
            new KeyValuePair<string, object?>("small_version", _smallVersion().ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
