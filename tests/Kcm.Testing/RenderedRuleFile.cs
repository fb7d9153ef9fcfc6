using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Kcm.Testing;

/// <summary>
/// The rule groups of the PrometheusRule <c>kcm</c> as a deploy/k8s overlay renders it (`kubectl kustomize`), written out
/// as a plain Prometheus rules file with every group's interval shortened, so a test's Prometheus evaluates them at once.
/// Plain text, no YAML library: the rendered object's <c>spec</c> is a rules file indented by two spaces.
/// (tests/Kcm.Deploy.Tests parses the same objects with YamlDotNet for its invariants.)
/// </summary>
public static partial class RenderedRuleFile
{
    /// <summary>
    /// Renders <paramref name="overlay"/>, writes the rules as <c>rules.yaml</c> into <paramref name="folder"/> with each
    /// group's interval set to <paramref name="interval"/> (the expressions unchanged) and returns its path.
    /// </summary>
    public static string Write(string folder, string overlay, TimeSpan interval)
    {
        var rendered = Render(overlay);
        var document = rendered.Split("\n---\n").SingleOrDefault(d => d.Contains("\nkind: PrometheusRule\n", StringComparison.Ordinal) || d.StartsWith("kind: PrometheusRule\n", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Overlay {overlay} renders no single PrometheusRule.");
        var lines = document.Split('\n');
        var spec = Array.IndexOf(lines, "spec:");
        if (spec < 0)
        {
            throw new InvalidOperationException($"The PrometheusRule of overlay {overlay} has no spec.");
        }

        var body = lines.Skip(spec + 1).TakeWhile(l => l.Length == 0 || l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Length >= 2 ? l[2..] : l);
        var text = GroupInterval().Replace(string.Join('\n', body), $"${{1}}interval: {(int)interval.TotalSeconds}s");
        var path = Path.Combine(folder, "rules.yaml");
        File.WriteAllText(path, text + "\n");
        return path;
    }

    private static string Render(string overlay)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(RepositoryRoot.Combine("deploy", "k8s", "overlays", overlay));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start kubectl.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"kubectl kustomize {overlay} failed ({process.ExitCode}): {error.Result}");
    }

    // A group's "interval:" key, first in its list item ("- interval: 30s") or below it ("  interval: 30s").
    [GeneratedRegex(@"^((?:- |  )?)interval: \S+$", RegexOptions.Multiline)]
    private static partial Regex GroupInterval();
}
