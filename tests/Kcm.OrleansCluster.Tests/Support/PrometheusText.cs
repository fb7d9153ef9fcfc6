using System.Globalization;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>Reads samples out of the Prometheus text format a silo's <c>/metrics</c> serves.</summary>
public static class PrometheusText
{
    /// <summary>The sum of every sample of metric <paramref name="name"/> (any labels); 0 when there is none.</summary>
    public static double Sum(string text, string name)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.StartsWith('{') || rest.StartsWith(' '))
            {
                sum += double.Parse(rest[(rest.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
