using static Kcm.Deploy.Tests.RenderedOverlay;

namespace Kcm.Deploy.Tests;

/// <summary>
/// Orleans TLS in the prod overlay: every silo reads its certificate, key and the cluster's authority from the TLS
/// Secret, mounted read-only and not world-readable, at the paths its Kcm:Orleans:Tls settings name; dev runs plain TCP.
/// </summary>
public sealed class OrleansTlsOverlayTests(RenderedOverlays overlays) : IClassFixture<RenderedOverlays>
{
    private const string TlsSecret = "kcm-orleans-tls";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Kcm__Orleans__Tls__CertificatePath"] = "tls.crt",
        ["Kcm__Orleans__Tls__KeyPath"] = "tls.key",
        ["Kcm__Orleans__Tls__CertificateAuthorityPath"] = "ca.crt",
    };

    [Fact]
    public void Prod_EverySilo_RunsOrleansTls_FromTheTlsSecret()
    {
        var silos = overlays["prod"].Deployments.ToList();
        Assert.Equal(["kcm-cpu", "kcm-gpu"], silos.Select(d => Text(d["metadata"]?["name"])).Order());
        foreach (var deployment in silos)
        {
            var where = NameOf(deployment);
            var silo = Assert.Single(ContainersOf(deployment), c => Text(c["name"]) == "silo");
            var volume = Assert.Single(Items(PodSpecOf(deployment)["volumes"]), v => Text(v["secret"]?["secretName"]) == TlsSecret);
            var mount = Assert.Single(Items(silo["volumeMounts"]), m => Text(m["name"]) == Text(volume["name"]));
            Assert.True(Text(mount["readOnly"]) == "true", $"{where} mounts the TLS Secret writable.");
            // 0440 at most: the silo's group reads the key, nobody else.
            // Scalars come out of the rendered YAML as text; an unset mode is Kubernetes' 0644.
            var mode = int.Parse(Text(volume["secret"]?["defaultMode"]) ?? "420", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True((mode & 0b000_000_111) == 0, $"{where} mounts the TLS Secret with mode {Convert.ToString(mode, 8)}: readable by others.");
            var keys = Items(volume["secret"]?["items"]).Select(i => Text(i["key"])).ToHashSet();
            var env = Items(silo["env"]).ToDictionary(e => Text(e["name"])!);
            foreach (var (name, file) in Settings)
            {
                Assert.True(env.ContainsKey(name), $"{where} has no {name}.");
                Assert.Equal($"{Text(mount["mountPath"])}/{file}", Text(env[name]["value"]));
                Assert.Contains(file, keys);
            }
        }
    }

    [Fact]
    public void Dev_RunsPlainOrleans_WithNoTlsSettingOrSecret()
    {
        var dev = overlays["dev"];
        Assert.DoesNotContain(TlsSecret, dev.Yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("Kcm__Orleans__Tls__", dev.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Prod_TlsPaths_AreAllOrNone_AsTheSiloRequires()
    {
        foreach (var silo in overlays["prod"].Deployments.SelectMany(ContainersOf))
        {
            var names = Items(silo["env"]).Select(e => Text(e["name"])).Where(n => n!.StartsWith("Kcm__Orleans__Tls__", StringComparison.Ordinal)).Order();
            Assert.Equal(Settings.Keys.Order(), names);
        }
    }
}
