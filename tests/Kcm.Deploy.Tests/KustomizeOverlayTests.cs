using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Kcm.Deploy.Tests.RenderedOverlay;

namespace Kcm.Deploy.Tests;

/// <summary>Invariants every object rendered from deploy/k8s/overlays/{dev,prod} must keep.</summary>
public sealed partial class KustomizeOverlayTests(RenderedOverlays overlays) : IClassFixture<RenderedOverlays>
{
    private const string Namespace = "kcm";

    private static readonly string[] Roles = ["front", "large", "distiller"];

    public static TheoryData<string> Overlays => new() { "dev", "prod" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_RendersTheWholeCluster(string overlay)
    {
        var rendered = overlays[overlay];
        Assert.Single(rendered.OfKind("Namespace"), n => Text(n["metadata"]?["name"]) == Namespace);
        Assert.Equal(["kcm-distiller", "kcm-front", "kcm-large"], rendered.Deployments.Select(d => Text(d["metadata"]?["name"])).Order());
        Assert.Equal(3, rendered.OfKind("Service").Count());
        Assert.Equal(3, rendered.OfKind("PodDisruptionBudget").Count());
        rendered.Single("HorizontalPodAutoscaler", "kcm-front");
        rendered.Single("RabbitmqCluster", "kcm-rabbitmq");
        rendered.Single("ConfigMap", "kcm-config");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryNamespacedObject_IsInTheKcmNamespace(string overlay)
    {
        foreach (var o in overlays[overlay].Objects.Where(o => Text(o["kind"]) != "Namespace"))
        {
            Assert.True(Text(o["metadata"]?["namespace"]) == Namespace, $"{NameOf(o)} is not in namespace {Namespace}.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryContainer_HasRequestsLimitsAndProbes(string overlay)
    {
        foreach (var deployment in overlays[overlay].Deployments)
        {
            foreach (var container in ContainersOf(deployment))
            {
                var where = $"{NameOf(deployment)} container {Text(container["name"])}";
                foreach (var bound in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        Assert.False(string.IsNullOrEmpty(Text(container["resources"]?[bound]?[resource])), $"{where} has no {bound}.{resource}.");
                    }
                }

                foreach (var (probe, path) in new[] { ("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
                {
                    Assert.True(Text(container[probe]?["httpGet"]?["path"]) == path, $"{where} has no {probe} on {path}.");
                    Assert.True(Text(container[probe]?["httpGet"]?["port"]) == "http", $"{where}'s {probe} does not use the http port.");
                }

                Assert.Contains(Items(container["ports"]), p => Text(p["name"]) == "http" && Text(p["containerPort"]) == "8080");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_RunsNonRoot_WithoutPrivilegeEscalation_AndWithoutCapabilities(string overlay)
    {
        foreach (var deployment in overlays[overlay].Deployments)
        {
            var pod = PodSpecOf(deployment);
            Assert.Equal("true", Text(pod["securityContext"]?["runAsNonRoot"]));
            Assert.NotEqual("0", Text(pod["securityContext"]?["runAsUser"]));
            Assert.Equal("RuntimeDefault", Text(pod["securityContext"]?["seccompProfile"]?["type"]));
            Assert.Equal("false", Text(pod["automountServiceAccountToken"]));
            foreach (var container in ContainersOf(deployment))
            {
                var where = $"{NameOf(deployment)} container {Text(container["name"])}";
                var security = container["securityContext"];
                Assert.True(Text(security?["allowPrivilegeEscalation"]) == "false", $"{where} allows privilege escalation.");
                Assert.True(Text(security?["readOnlyRootFilesystem"]) == "true", $"{where} has a writable root file system.");
                Assert.True(Text(security?["privileged"]) is null or "false", $"{where} is privileged.");
                Assert.True(Text(security?["runAsNonRoot"]) is null or "true", $"{where} overrides runAsNonRoot.");
                Assert.True(security?["capabilities"]?["drop"]?.AsArray().Any(c => Text(c) == "ALL") == true, $"{where} does not drop ALL capabilities.");
                Assert.True(security?["capabilities"]?["add"] is null, $"{where} adds capabilities.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryWritablePath_IsAVolume(string overlay)
    {
        // The image's VOLUMEs (deploy/docker) must be mounted, or a read-only root file system breaks the silo.
        foreach (var deployment in overlays[overlay].Deployments)
        {
            var silo = Assert.Single(ContainersOf(deployment));
            var mounts = Items(silo["volumeMounts"]).Select(m => Text(m["mountPath"])).ToList();
            Assert.Contains("/var/lib/kcm", mounts);
            Assert.Contains("/tmp", mounts);
            Assert.Contains("/var/lib/kcm/store", Items(silo["env"]).Select(e => Text(e["value"])).Append(
                Text(overlays[overlay].Single("ConfigMap", "kcm-config")["data"]?["Kcm__StorePath"])));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryImage_IsPinnedToAVersionOrDigest(string overlay)
    {
        var rendered = overlays[overlay];
        var images = rendered.Deployments.SelectMany(ContainersOf).Select(c => Text(c["image"]))
            .Append(Text(rendered.Single("RabbitmqCluster", "kcm-rabbitmq")["spec"]?["image"]));
        foreach (var image in images)
        {
            Assert.NotNull(image);
            Assert.True(PinnedImage().IsMatch(image), $"Image '{image}' is not pinned to a version tag or a digest.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EverySelector_MatchesItsPodTemplate(string overlay)
    {
        var rendered = overlays[overlay];
        var templates = rendered.Deployments.ToDictionary(d => Text(d["metadata"]?["name"])!, d => Labels(d["spec"]?["template"]?["metadata"]?["labels"]));
        foreach (var deployment in rendered.Deployments)
        {
            var name = Text(deployment["metadata"]?["name"])!;
            var selector = Labels(deployment["spec"]?["selector"]?["matchLabels"]);
            Assert.True(Selects(selector, templates[name]), $"{NameOf(deployment)}'s selector does not match its pod template.");
            foreach (var spread in Items(PodSpecOf(deployment)["topologySpreadConstraints"]))
            {
                var spreadSelector = Labels(spread["labelSelector"]?["matchLabels"]);
                Assert.True(Selects(spreadSelector, templates[name]), $"{NameOf(deployment)}'s topology spread does not select its own pods.");
                Assert.Single(templates.Values, labels => Selects(spreadSelector, labels));
            }
        }

        foreach (var service in rendered.OfKind("Service"))
        {
            var selector = Labels(service["spec"]?["selector"]);
            var selected = templates.Where(t => Selects(selector, t.Value)).Select(t => t.Key).ToList();
            Assert.True(selected.Count == 1, $"{NameOf(service)} selects {selected.Count} Deployments' pods, not one.");
            var deployment = rendered.Single("Deployment", selected[0]);
            foreach (var port in Items(service["spec"]?["ports"]))
            {
                var target = Text(port["targetPort"]);
                Assert.Contains(ContainersOf(deployment).SelectMany(c => Items(c["ports"])), p => Text(p["name"]) == target);
            }
        }

        foreach (var budget in rendered.OfKind("PodDisruptionBudget"))
        {
            var selector = Labels(budget["spec"]?["selector"]?["matchLabels"]);
            Assert.True(templates.Values.Count(labels => Selects(selector, labels)) == 1, $"{NameOf(budget)} does not select exactly one Deployment's pods.");
        }

        foreach (var scaler in rendered.OfKind("HorizontalPodAutoscaler").Concat(rendered.OfKind("ScaledObject")))
        {
            var target = scaler["spec"]?["scaleTargetRef"];
            Assert.True(templates.ContainsKey(Text(target?["name"]) ?? string.Empty), $"{NameOf(scaler)} scales a Deployment that does not exist.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryRole_RunsAsItsOwnDeployment_WithSecretsFromTheSecret(string overlay)
    {
        var rendered = overlays[overlay];
        foreach (var role in Roles)
        {
            var silo = Assert.Single(ContainersOf(rendered.Single("Deployment", "kcm-" + role)));
            var env = Items(silo["env"]).ToDictionary(e => Text(e["name"])!);
            Assert.Equal(role, Text(env["Kcm__Roles"]["value"]));
            Assert.Equal("metadata.name", Text(env["Kcm__NodeId"]["valueFrom"]?["fieldRef"]?["fieldPath"]));
            Assert.Equal("kcm-secrets", Text(env["Kcm__RabbitMq__Uri"]["valueFrom"]?["secretKeyRef"]?["name"]));
            Assert.Equal("kcm-config", Text(Assert.Single(Items(silo["envFrom"]))["configMapRef"]?["name"]));
        }

        var front = Assert.Single(ContainersOf(rendered.Single("Deployment", "kcm-front")));
        Assert.Contains(Items(front["env"]), e => Text(e["name"]) == "Kcm__AdminToken" && Text(e["valueFrom"]?["secretKeyRef"]?["key"]) == "admin-token");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NoSecretValue_IsInTheManifests(string overlay)
    {
        var rendered = overlays[overlay];
        Assert.Empty(rendered.OfKind("Secret"));
        foreach (var (key, value) in rendered.Single("ConfigMap", "kcm-config")["data"]!.AsObject())
        {
            Assert.False(SecretName().IsMatch(key), $"ConfigMap key {key} looks like a secret; it belongs in the Secret kcm-secrets.");
            Assert.DoesNotMatch(CredentialUri(), Text(value) ?? string.Empty);
        }

        foreach (var container in rendered.Deployments.SelectMany(ContainersOf))
        {
            foreach (var env in Items(container["env"]).Where(e => SecretName().IsMatch(Text(e["name"]) ?? string.Empty)))
            {
                Assert.True(env["value"] is null && env["valueFrom"]?["secretKeyRef"] is not null, $"Environment variable {Text(env["name"])} must come from a secretKeyRef.");
            }
        }

        Assert.DoesNotMatch(CredentialUri(), rendered.Yaml);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Distiller_RunsTwoReplicas_OneActiveOneStandby(string overlay)
    {
        var distiller = overlays[overlay].Single("Deployment", "kcm-distiller");
        Assert.Equal("2", Text(distiller["spec"]?["replicas"]));
        var budget = overlays[overlay].Single("PodDisruptionBudget", "kcm-distiller");
        Assert.Equal("1", Text(budget["spec"]?["minAvailable"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_DrainsInFlightRequests_BeforeItIsKilled(string overlay)
    {
        var rendered = overlays[overlay];
        var shutdown = int.Parse(Text(rendered.Single("ConfigMap", "kcm-config")["data"]?["DOTNET_SHUTDOWNTIMEOUTSECONDS"]) ?? "0", CultureInfo.InvariantCulture);
        Assert.True(shutdown >= 5, "DOTNET_SHUTDOWNTIMEOUTSECONDS must give Kestrel time to drain.");
        foreach (var deployment in rendered.Deployments)
        {
            var silo = Assert.Single(ContainersOf(deployment));
            var command = silo["lifecycle"]?["preStop"]?["exec"]?["command"]?.AsArray().Select(Text).ToList();
            Assert.True(command is ["sleep", _], $"{NameOf(deployment)} has no preStop sleep.");
            var sleep = int.Parse(command[1]!, CultureInfo.InvariantCulture);
            var grace = int.Parse(Text(PodSpecOf(deployment)["terminationGracePeriodSeconds"]) ?? "30", CultureInfo.InvariantCulture);
            Assert.True(grace > sleep + shutdown, $"{NameOf(deployment)}: grace {grace} s does not cover preStop {sleep} s + drain {shutdown} s.");
        }
    }

    [Fact]
    public void Large_RequestsAGpu_AndToleratesGpuNodes_InProdOnly()
    {
        var prod = overlays["prod"].Single("Deployment", "kcm-large");
        var silo = Assert.Single(ContainersOf(prod));
        Assert.Equal("1", Text(silo["resources"]?["limits"]?["nvidia.com/gpu"]));
        Assert.Equal("1", Text(silo["resources"]?["requests"]?["nvidia.com/gpu"]));
        Assert.Contains(Items(PodSpecOf(prod)["tolerations"]), t => Text(t["key"]) == "nvidia.com/gpu" && Text(t["effect"]) == "NoSchedule");
        Assert.Equal("true", Text(PodSpecOf(prod)["nodeSelector"]?["nvidia.com/gpu.present"]));
        Assert.Contains(Items(silo["env"]), e => Text(e["name"]) == "Kcm__Embedded__ExecutionProvider" && Text(e["value"]) == "Cuda");
        Assert.Contains("/silo-gpu:", Text(silo["image"]));

        foreach (var deployment in overlays["prod"].Deployments.Where(d => d != prod).Concat(overlays["dev"].Deployments))
        {
            Assert.DoesNotContain("nvidia.com/gpu", deployment.ToJsonString());
        }
    }

    [Fact]
    public void Prod_ScalesLargeOnTheWorkQueue_AndFrontsOnCpu()
    {
        var prod = overlays["prod"];
        var scaled = prod.Single("ScaledObject", "kcm-large");
        var trigger = Assert.Single(Items(scaled["spec"]?["triggers"]));
        Assert.Equal("rabbitmq", Text(trigger["type"]));
        Assert.Equal("QueueLength", Text(trigger["metadata"]?["mode"]));
        Assert.Equal("kcm.large." + Text(prod.Single("ConfigMap", "kcm-config")["data"]?["Kcm__ModelName"]), Text(trigger["metadata"]?["queueName"]));
        var authentication = prod.Single("TriggerAuthentication", Text(trigger["authenticationRef"]?["name"])!);
        Assert.Equal("kcm-secrets", Text(Assert.Single(Items(authentication["spec"]?["secretTargetRef"]))["name"]));
        Assert.True(int.Parse(Text(scaled["spec"]?["minReplicaCount"])!, CultureInfo.InvariantCulture) >= 1);

        var hpa = prod.Single("HorizontalPodAutoscaler", "kcm-front");
        Assert.Equal("cpu", Text(Assert.Single(Items(hpa["spec"]?["metrics"]))["resource"]?["name"]));
        // Replica counts belong to the autoscalers in prod.
        Assert.Null(prod.Single("Deployment", "kcm-front")["spec"]?["replicas"]);
        Assert.Null(prod.Single("Deployment", "kcm-large")["spec"]?["replicas"]);
        Assert.Equal("3", Text(prod.Single("RabbitmqCluster", "kcm-rabbitmq")["spec"]?["replicas"]));
    }

    [Fact]
    public void Prod_ServiceMonitor_ScrapesEveryService()
    {
        var prod = overlays["prod"];
        var monitor = prod.Single("ServiceMonitor", "kcm");
        var selector = Labels(monitor["spec"]?["selector"]?["matchLabels"]);
        var endpoint = Assert.Single(Items(monitor["spec"]?["endpoints"]));
        Assert.Equal("/metrics", Text(endpoint["path"]));
        foreach (var service in prod.OfKind("Service"))
        {
            Assert.True(Selects(selector, Labels(service["metadata"]?["labels"])), $"The ServiceMonitor misses {NameOf(service)}.");
            Assert.Contains(Items(service["spec"]?["ports"]), p => Text(p["name"]) == Text(endpoint["port"]));
        }

        prod.Single("PrometheusRule", "kcm");
    }

    [Fact]
    public void Dev_NeedsNoOperatorBeyondRabbitMq()
    {
        var dev = overlays["dev"];
        Assert.Empty(dev.OfKind("ScaledObject"));
        Assert.Empty(dev.OfKind("ServiceMonitor"));
        Assert.Empty(dev.OfKind("PrometheusRule"));
        Assert.Equal("1", Text(dev.Single("RabbitmqCluster", "kcm-rabbitmq")["spec"]?["replicas"]));
        Assert.Equal("1", Text(dev.Single("Deployment", "kcm-front")["spec"]?["replicas"]));
        Assert.Equal("true", Text(dev.Single("Deployment", "kcm-front")["spec"]?["template"]?["metadata"]?["annotations"]?["prometheus.io/scrape"]));
    }

    // name:tag with a version-like tag (not latest), or a digest.
    [GeneratedRegex(@"^[^\s@]+(:(?!latest$)[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex("(?i)token|password|secret|uri$|credential")]
    private static partial Regex SecretName();

    // A URI with a password in it, e.g. amqp://user:pass@host.
    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@")]
    private static partial Regex CredentialUri();
}
