using Kcm.Placement;

namespace Kcm.Cli.Cluster;

/// <summary>
/// The silos of a local cluster of N: half (rounded up) <c>gpu</c> silos and half <c>cpu,distiller</c> silos, so from
/// two of each every role survives the loss of one silo; a single silo has every role. The first distiller comes first:
/// it starts alone and makes the first models every other silo then loads. Port slots interleave (distiller-k in slot
/// 2k-2, gpu-k in 2k-1; a lone silo in 0), so a silo's ports do not move when the cluster grows.
/// </summary>
internal static class ClusterPlan
{
    /// <summary>The default size: two gpu silos and two cpu,distiller silos.</summary>
    public const int DefaultSilos = 4;

    /// <summary>The largest cluster <c>cluster up</c> starts on one machine.</summary>
    public const int MaxSilos = 16;

    private static readonly string CpuDistiller = string.Join(',', SiloRoles.Cpu, SiloRoles.Distiller);

    /// <summary>The planned silos, the first distiller first.</summary>
    public static IReadOnlyList<PlannedSilo> For(int silos)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        if (silos == 1)
        {
            return [new PlannedSilo("silo-1", string.Join(',', SiloRoles.All), 0)];
        }

        var distillers = silos / 2;
        var gpus = silos - distillers;
        return
        [
            .. Enumerable.Range(1, distillers).Select(n => new PlannedSilo($"distiller-{n}", CpuDistiller, (2 * n) - 2)),
            .. Enumerable.Range(1, gpus).Select(n => new PlannedSilo($"gpu-{n}", SiloRoles.Gpu, (2 * n) - 1)),
        ];
    }
}
