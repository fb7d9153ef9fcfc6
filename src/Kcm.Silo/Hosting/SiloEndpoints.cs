namespace Kcm.Silo.Hosting;

/// <summary>The ports this silo uses, with every 0 of the configuration resolved to a real port.</summary>
/// <param name="SiloPort">Silo-to-silo port (loopback).</param>
/// <param name="GatewayPort">The Orleans client gateway port (loopback).</param>
/// <param name="DashboardPort">The dashboard's loopback port, or null when the dashboard is off.</param>
public sealed record SiloEndpoints(int SiloPort, int GatewayPort, int? DashboardPort);
