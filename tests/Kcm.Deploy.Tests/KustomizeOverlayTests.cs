using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Kcm.Deploy.Tests.RenderedOverlay;

namespace Kcm.Deploy.Tests;

/// <summary>Invariants every object rendered from deploy/k8s/overlays/{dev,prod} must keep.</summary>
public sealed partial class KustomizeOverlayTests(RenderedOverlays overlays) : IClassFixture<RenderedOverlays>
{
    private const string Namespace = "kcm";
    private const string Secret = "kcm-secrets";

    /// <summary>The silo Deployments and the roles each runs (Kcm__Roles).</summary>
    private static readonly Dictionary<string, string> SiloRoles = new() { ["kcm-gpu"] = "gpu", ["kcm-cpu"] = "cpu,distiller" };

    public static TheoryData<string> Overlays => new() { "dev", "prod" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_RendersTheOrleansCluster_AndNothingElse(string overlay)
    {
        var rendered = overlays[overlay];
        Assert.Single(rendered.OfKind("Namespace"), n => Text(n["metadata"]?["name"]) == Namespace);
        var deployments = overlay == "dev" ? new[] { "kcm-azurite", "kcm-cpu", "kcm-gpu" } : ["kcm-cpu", "kcm-gpu"];
        Assert.Equal(deployments, rendered.Deployments.Select(d => Text(d["metadata"]?["name"])).Order());
        var services = overlay == "dev" ? new[] { "kcm-azurite", "kcm-cpu", "kcm-gateway", "kcm-gpu", "kcm-http" } : ["kcm-cpu", "kcm-gateway", "kcm-gpu", "kcm-http"];
        Assert.Equal(services, rendered.OfKind("Service").Select(s => Text(s["metadata"]?["name"])).Order());
        Assert.Equal(["kcm-cpu", "kcm-gpu"], rendered.OfKind("PodDisruptionBudget").Select(b => Text(b["metadata"]?["name"])).Order());
        // No stateful workload beside the silos (a message broker would be one): the cluster's state is in Azure Storage.
        Assert.Empty(rendered.OfKind("StatefulSet"));
        rendered.Single("ConfigMap", "kcm-config");
        rendered.Single("ServiceAccount", "kcm-silo");
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

                Assert.True(container["readinessProbe"] is not null && container["livenessProbe"] is not null, $"{where} lacks a readiness or liveness probe.");
            }
        }

        foreach (var silo in Silos(overlays[overlay]))
        {
            var container = SiloContainer(silo);
            foreach (var (probe, path) in new[] { ("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
            {
                Assert.True(Text(container[probe]?["httpGet"]?["path"]) == path, $"{NameOf(silo)} has no {probe} on {path}.");
                Assert.True(Text(container[probe]?["httpGet"]?["port"]) == "http", $"{NameOf(silo)}'s {probe} does not use the http port.");
            }

            var ports = Items(container["ports"]).ToDictionary(p => Text(p["name"])!, p => Text(p["containerPort"]));
            Assert.Equal("8080", ports["http"]);
            Assert.Equal("11111", ports["silo"]);
            Assert.Equal("30000", ports["gateway"]);
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

        Assert.Equal("restricted", Text(overlays[overlay].Single("Namespace", Namespace)["metadata"]?["labels"]?["pod-security.kubernetes.io/enforce"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void OnlySilos_MountAServiceAccountToken_AndItsRoleOnlyWatchesAndLabelsPods(string overlay)
    {
        var rendered = overlays[overlay];
        foreach (var deployment in rendered.Deployments)
        {
            var pod = PodSpecOf(deployment);
            var isSilo = SiloRoles.ContainsKey(Text(deployment["metadata"]?["name"])!);
            Assert.Equal(isSilo ? "true" : "false", Text(pod["automountServiceAccountToken"]));
            Assert.Equal(isSilo ? "kcm-silo" : null, Text(pod["serviceAccountName"]));
        }

        // What Orleans' Kubernetes hosting (KubernetesClusterAgent) calls: read, list and watch pods, patch its own pod's
        // labels. Nothing else: no delete (DeleteDefunctSiloPods stays off), no other resource.
        var binding = Assert.Single(rendered.OfKind("RoleBinding"));
        var subject = Assert.Single(Items(binding["subjects"]));
        Assert.Equal(("ServiceAccount", "kcm-silo", Namespace), (Text(subject["kind"]), Text(subject["name"]), Text(subject["namespace"])));
        Assert.Equal("Role", Text(binding["roleRef"]?["kind"]));
        var role = rendered.Single("Role", Text(binding["roleRef"]?["name"])!);
        var rule = Assert.Single(Items(role["rules"]));
        Assert.Equal([string.Empty], rule["apiGroups"]!.AsArray().Select(Text));
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(Text));
        Assert.Equal(["get", "list", "patch", "watch"], rule["verbs"]!.AsArray().Select(Text).Order());
        Assert.Empty(rendered.OfKind("ClusterRole"));
        Assert.Empty(rendered.OfKind("ClusterRoleBinding"));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silos_TakeTheirIdentityFromThePod_AsOrleansKubernetesHostingExpects(string overlay)
    {
        var rendered = overlays[overlay];
        var config = rendered.Single("ConfigMap", "kcm-config")["data"]!;
        Assert.Equal("true", Text(config["Kcm__Orleans__Kubernetes"]));
        Assert.Equal("11111", Text(config["Kcm__Orleans__SiloPort"]));
        Assert.Equal("30000", Text(config["Kcm__Orleans__GatewayPort"]));
        var identities = new HashSet<(string?, string?)>();
        foreach (var silo in Silos(rendered))
        {
            var env = Items(SiloContainer(silo)["env"]).ToDictionary(e => Text(e["name"])!);
            string? Field(string name) => Text(env[name]["valueFrom"]?["fieldRef"]?["fieldPath"]);
            Assert.Equal("metadata.name", Field("POD_NAME"));
            Assert.Equal("metadata.namespace", Field("POD_NAMESPACE"));
            Assert.Equal("status.podIP", Field("POD_IP"));
            // The pod watcher selects pods by these labels; the silo's ids come from the same labels, so they cannot differ.
            Assert.Equal("metadata.labels['orleans/serviceId']", Field("ORLEANS_SERVICE_ID"));
            Assert.Equal("metadata.labels['orleans/clusterId']", Field("ORLEANS_CLUSTER_ID"));
            Assert.Equal("metadata.labels['orleans/serviceId']", Field("Kcm__Orleans__ServiceId"));
            Assert.Equal("metadata.labels['orleans/clusterId']", Field("Kcm__Orleans__ClusterId"));
            var labels = Labels(silo["spec"]?["template"]?["metadata"]?["labels"]);
            Assert.False(string.IsNullOrEmpty(labels.GetValueOrDefault("orleans/serviceId")), $"{NameOf(silo)} has no orleans/serviceId label.");
            Assert.False(string.IsNullOrEmpty(labels.GetValueOrDefault("orleans/clusterId")), $"{NameOf(silo)} has no orleans/clusterId label.");
            identities.Add((labels["orleans/serviceId"], labels["orleans/clusterId"]));
        }

        // Both Deployments are one Orleans cluster.
        Assert.Single(identities);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryWritablePath_IsAVolume(string overlay)
    {
        // The image's VOLUMEs (deploy/docker) must be mounted, or a read-only root file system breaks the silo.
        foreach (var deployment in overlays[overlay].Deployments)
        {
            var mounts = ContainersOf(deployment).SelectMany(c => Items(c["volumeMounts"])).Select(m => Text(m["mountPath"])).ToList();
            Assert.Contains("/tmp", mounts);
        }

        foreach (var silo in Silos(overlays[overlay]))
        {
            Assert.Contains("/var/lib/kcm", Items(SiloContainer(silo)["volumeMounts"]).Select(m => Text(m["mountPath"])));
        }

        Assert.Equal("/var/lib/kcm/store", Text(overlays[overlay].Single("ConfigMap", "kcm-config")["data"]?["Kcm__StorePath"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryImage_IsPinnedToAVersionOrDigest(string overlay)
    {
        foreach (var image in overlays[overlay].Deployments.SelectMany(ContainersOf).Select(c => Text(c["image"])))
        {
            Assert.NotNull(image);
            Assert.True(PinnedImage().IsMatch(image), $"Image '{image}' is not pinned to a version tag or a digest.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EverySelector_MatchesWhatItShould(string overlay)
    {
        var rendered = overlays[overlay];
        var templates = rendered.Deployments.ToDictionary(d => Text(d["metadata"]?["name"])!, d => Labels(d["spec"]?["template"]?["metadata"]?["labels"]));
        foreach (var deployment in rendered.Deployments)
        {
            var name = Text(deployment["metadata"]?["name"])!;
            Assert.True(Selects(Labels(deployment["spec"]?["selector"]?["matchLabels"]), templates[name]), $"{NameOf(deployment)}'s selector does not match its pod template.");
            foreach (var spread in Items(PodSpecOf(deployment)["topologySpreadConstraints"]))
            {
                var spreadSelector = Labels(spread["labelSelector"]?["matchLabels"]);
                Assert.True(Selects(spreadSelector, templates[name]), $"{NameOf(deployment)}'s topology spread does not select its own pods.");
                Assert.Single(templates.Values, labels => Selects(spreadSelector, labels));
            }
        }

        // Which Deployments' pods each Service reaches: the HTTP API on the gpu silos, the gateway on every silo.
        var expected = new Dictionary<string, string[]>
        {
            ["kcm-http"] = ["kcm-gpu"], ["kcm-gateway"] = ["kcm-cpu", "kcm-gpu"], ["kcm-gpu"] = ["kcm-gpu"], ["kcm-cpu"] = ["kcm-cpu"], ["kcm-azurite"] = ["kcm-azurite"],
        };
        foreach (var service in rendered.OfKind("Service"))
        {
            var selector = Labels(service["spec"]?["selector"]);
            var selected = templates.Where(t => Selects(selector, t.Value)).Select(t => t.Key).Order().ToArray();
            Assert.Equal(expected[Text(service["metadata"]?["name"])!], selected);
            foreach (var deployment in selected.Select(d => rendered.Single("Deployment", d)))
            {
                foreach (var port in Items(service["spec"]?["ports"]))
                {
                    Assert.Contains(ContainersOf(deployment).SelectMany(c => Items(c["ports"])), p => Text(p["name"]) == Text(port["targetPort"]));
                }
            }
        }

        foreach (var budget in rendered.OfKind("PodDisruptionBudget"))
        {
            var selector = Labels(budget["spec"]?["selector"]?["matchLabels"]);
            Assert.True(templates.Values.Count(labels => Selects(selector, labels)) == 1, $"{NameOf(budget)} does not select exactly one Deployment's pods.");
        }

        foreach (var silo in SiloRoles.Keys)
        {
            Assert.Single(rendered.OfKind("PodDisruptionBudget"), b => Selects(Labels(b["spec"]?["selector"]?["matchLabels"]), templates[silo]));
        }

        foreach (var scaler in rendered.OfKind("HorizontalPodAutoscaler").Concat(rendered.OfKind("ScaledObject")))
        {
            Assert.True(templates.ContainsKey(Text(scaler["spec"]?["scaleTargetRef"]?["name"]) ?? string.Empty), $"{NameOf(scaler)} scales a Deployment that does not exist.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryRole_RunsAsItsOwnDeployment_WithSecretsFromTheSecret(string overlay)
    {
        var rendered = overlays[overlay];
        foreach (var (deployment, roles) in SiloRoles)
        {
            var silo = SiloContainer(rendered.Single("Deployment", deployment));
            var env = Items(silo["env"]).ToDictionary(e => Text(e["name"])!);
            Assert.Equal(roles, Text(env["Kcm__Roles"]["value"]));
            Assert.Equal((Secret, "storage-connection-string"), SecretKey(env["Kcm__AzureStorage__ConnectionString"]));
            Assert.Equal((Secret, "admin-token"), SecretKey(env["Kcm__AdminToken"]));
            Assert.Equal("kcm-config", Text(Assert.Single(Items(silo["envFrom"]))["configMapRef"]?["name"]));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NoSecretValue_IsInTheManifests(string overlay)
    {
        var rendered = overlays[overlay];
        Assert.Empty(rendered.OfKind("Secret"));
        foreach (var (key, value) in rendered.Single("ConfigMap", "kcm-config")["data"]!.AsObject())
        {
            Assert.False(SecretName().IsMatch(key), $"ConfigMap key {key} looks like a secret; it belongs in the Secret {Secret}.");
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
        Assert.DoesNotContain("AccountKey=", rendered.Yaml, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("UseDevelopmentStorage", rendered.Yaml, StringComparison.OrdinalIgnoreCase);
        // Azurite's published development key (docs/storage.md): the dev overlay's Azurite takes its account from the Secret.
        Assert.DoesNotContain("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq", rendered.Yaml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheDashboardPort_IsOnlyOnLoopback_AndNoServiceOrPolicyNamesIt(string overlay)
    {
        var rendered = overlays[overlay];
        var dashboard = Text(rendered.Single("ConfigMap", "kcm-config")["data"]?["Kcm__Orleans__DashboardPort"]);
        Assert.False(string.IsNullOrEmpty(dashboard));
        Assert.DoesNotContain(rendered.Deployments.SelectMany(ContainersOf).SelectMany(c => Items(c["ports"])), p => Text(p["containerPort"]) == dashboard);
        foreach (var port in rendered.OfKind("Service").SelectMany(s => Items(s["spec"]?["ports"])))
        {
            Assert.NotEqual(dashboard, Text(port["port"]));
            Assert.NotEqual(dashboard, Text(port["targetPort"]));
        }

        foreach (var policy in rendered.OfKind("NetworkPolicy"))
        {
            Assert.DoesNotContain(dashboard!, policy.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void CpuSilos_RunTwo_SoTheRegistryAndTheDistillerAlwaysHaveAHost(string overlay)
    {
        Assert.Equal("2", Text(overlays[overlay].Single("Deployment", "kcm-cpu")["spec"]?["replicas"]));
        Assert.Equal("1", Text(overlays[overlay].Single("PodDisruptionBudget", "kcm-cpu")["spec"]?["minAvailable"]));
        Assert.Equal("1", Text(overlays[overlay].Single("PodDisruptionBudget", "kcm-gpu")["spec"]?["maxUnavailable"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EverySilo_DrainsAndLeavesTheCluster_BeforeItIsKilled(string overlay)
    {
        var rendered = overlays[overlay];
        var shutdown = int.Parse(Text(rendered.Single("ConfigMap", "kcm-config")["data"]?["Kcm__ShutdownTimeoutSeconds"]) ?? "0", CultureInfo.InvariantCulture);
        Assert.True(shutdown >= 30, "Kcm__ShutdownTimeoutSeconds must give the silo time to drain HTTP and leave the cluster.");
        foreach (var silo in Silos(rendered))
        {
            var command = SiloContainer(silo)["lifecycle"]?["preStop"]?["exec"]?["command"]?.AsArray().Select(Text).ToList();
            Assert.True(command is ["sleep", _], $"{NameOf(silo)} has no preStop sleep.");
            var sleep = int.Parse(command[1]!, CultureInfo.InvariantCulture);
            var grace = int.Parse(Text(PodSpecOf(silo)["terminationGracePeriodSeconds"]) ?? "30", CultureInfo.InvariantCulture);
            Assert.True(grace > sleep + shutdown, $"{NameOf(silo)}: grace {grace} s does not cover preStop {sleep} s + shutdown {shutdown} s.");
        }
    }

    [Fact]
    public void GpuSilos_RequestAGpu_AndTolerateGpuNodes_InProdOnly()
    {
        var prod = overlays["prod"].Single("Deployment", "kcm-gpu");
        var silo = SiloContainer(prod);
        Assert.Equal("1", Text(silo["resources"]?["limits"]?["nvidia.com/gpu"]));
        Assert.Equal("1", Text(silo["resources"]?["requests"]?["nvidia.com/gpu"]));
        Assert.Contains(Items(PodSpecOf(prod)["tolerations"]), t => Text(t["key"]) == "nvidia.com/gpu" && Text(t["effect"]) == "NoSchedule");
        Assert.Equal("true", Text(PodSpecOf(prod)["nodeSelector"]?["nvidia.com/gpu.present"]));
        Assert.Contains(Items(silo["env"]), e => Text(e["name"]) == "Kcm__Embedded__ExecutionProvider" && Text(e["value"]) == "Cuda");
        Assert.Contains("/silo-gpu:", Text(silo["image"]));

        foreach (var deployment in overlays["prod"].Deployments.Where(d => d != prod).Concat(overlays["dev"].Deployments))
        {
            Assert.DoesNotContain("nvidia.com/gpu", deployment.ToJsonString());
            Assert.DoesNotContain(ContainersOf(deployment), c => Text(c["image"])!.Contains("/silo-gpu:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Prod_ScalesTheGpuSilos_OnTheLargeModelsBacklog_BetweenAFloorAndACeiling()
    {
        var prod = overlays["prod"];
        var scaled = prod.Single("ScaledObject", "kcm-gpu");
        Assert.Equal("kcm-gpu", Text(scaled["spec"]?["scaleTargetRef"]?["name"]));
        var trigger = Assert.Single(Items(scaled["spec"]?["triggers"]));
        Assert.Equal("prometheus", Text(trigger["type"]));
        var query = Text(trigger["metadata"]?["query"])!;
        Assert.Equal(["kcm_large_queue_depth"], MetricNames.UsedIn(query));
        Assert.True(MetricNames.IsExported("kcm_large_queue_depth", MetricNames.InSource()));
        // The series as the ServiceMonitor scrapes them: this namespace, the gpu silos' Service as job.
        Assert.Contains($"namespace=\"{Namespace}\"", query, StringComparison.Ordinal);
        Assert.Contains("job=\"kcm-gpu\"", query, StringComparison.Ordinal);
        Assert.True(Selects(Labels(prod.Single("ServiceMonitor", "kcm")["spec"]?["selector"]?["matchLabels"]), Labels(prod.Single("Service", "kcm-gpu")["metadata"]?["labels"])));
        Assert.True(double.Parse(Text(trigger["metadata"]?["threshold"])!, CultureInfo.InvariantCulture) > 0);
        Assert.Equal("false", Text(trigger["metadata"]?["ignoreNullValues"]));
        var floor = int.Parse(Text(scaled["spec"]?["minReplicaCount"])!, CultureInfo.InvariantCulture);
        var ceiling = int.Parse(Text(scaled["spec"]?["maxReplicaCount"])!, CultureInfo.InvariantCulture);
        Assert.True(floor >= 2 && ceiling > floor, $"floor {floor}, ceiling {ceiling}");
        // The autoscaler owns the gpu silos' count in prod.
        Assert.Null(prod.Single("Deployment", "kcm-gpu")["spec"]?["replicas"]);

        // The query is PromQL promtool accepts.
        var rules = new JsonObject
        {
            ["groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "keda",
                ["rules"] = new JsonArray(new JsonObject { ["record"] = "keda:query", ["expr"] = query }),
            }),
        };
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "keda.yaml");
        File.WriteAllText(path, rules.ToJsonString());
        var check = ExternalCommand.Run("promtool", ["check", "rules", path]);
        Assert.True(check.ExitCode == 0, check.Output);
    }

    [Fact]
    public void Prod_ServiceMonitor_ScrapesEverySiloOnce()
    {
        var prod = overlays["prod"];
        var monitor = prod.Single("ServiceMonitor", "kcm");
        var selector = Labels(monitor["spec"]?["selector"]?["matchLabels"]);
        var endpoint = Assert.Single(Items(monitor["spec"]?["endpoints"]));
        Assert.Equal("/metrics", Text(endpoint["path"]));
        var scraped = prod.OfKind("Service").Where(s => Selects(selector, Labels(s["metadata"]?["labels"]))).ToList();
        Assert.Equal(["kcm-cpu", "kcm-gpu"], scraped.Select(s => Text(s["metadata"]?["name"])).Order());
        foreach (var service in scraped)
        {
            Assert.Contains(Items(service["spec"]?["ports"]), p => Text(p["name"]) == Text(endpoint["port"]));
        }

        foreach (var silo in Silos(prod))
        {
            var pods = Labels(silo["spec"]?["template"]?["metadata"]?["labels"]);
            Assert.Single(scraped, s => Selects(Labels(s["spec"]?["selector"]), pods));
        }

        prod.Single("PrometheusRule", "kcm");
    }

    [Fact]
    public void Prod_NetworkPolicy_AdmitsToTheOrleansPortsOnlySilos_AndToTheGatewayClientNamespaces()
    {
        var prod = overlays["prod"];
        var policy = Assert.Single(prod.OfKind("NetworkPolicy"));
        var silos = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "kcm" };
        Assert.Equal(silos, Labels(policy["spec"]?["podSelector"]?["matchLabels"]));
        Assert.Equal(["Ingress"], policy["spec"]?["policyTypes"]!.AsArray().Select(Text));
        var rules = Items(policy["spec"]?["ingress"]).ToList();
        List<JsonObject> RulesFor(string port) => [.. rules.Where(r => Items(r["ports"]).Any(p => Text(p["port"]) == port))];

        var gateway = Assert.Single(RulesFor("gateway"));
        var sources = Items(gateway["from"]).ToList();
        Assert.Equal(2, sources.Count);
        Assert.Contains(sources, f => f["namespaceSelector"] is null && Labels(f["podSelector"]?["matchLabels"]).SequenceEqual(silos));
        Assert.Contains(sources, f => f["podSelector"] is null && Text(f["namespaceSelector"]?["matchLabels"]?["kcm-serving/gateway-client"]) == "true");

        var silo = Assert.Single(RulesFor("silo"));
        var peer = Assert.Single(Items(silo["from"]));
        Assert.True(peer["namespaceSelector"] is null && Labels(peer["podSelector"]?["matchLabels"]).SequenceEqual(silos));

        // Every rule names its ports, and the Orleans ports are only in the rules above.
        Assert.All(rules, r => Assert.NotEmpty(Items(r["ports"])));
        Assert.Equal(3, rules.Count);
        Assert.Empty(overlays["dev"].OfKind("NetworkPolicy"));
    }

    [Fact]
    public void Dev_RunsAzuriteWithAnAccountFromTheSecret_AndNeedsNoOperator()
    {
        var dev = overlays["dev"];
        Assert.Empty(dev.OfKind("ScaledObject"));
        Assert.Empty(dev.OfKind("ServiceMonitor"));
        Assert.Empty(dev.OfKind("PrometheusRule"));
        var azurite = Assert.Single(ContainersOf(dev.Single("Deployment", "kcm-azurite")));
        Assert.StartsWith("mcr.microsoft.com/azure-storage/azurite:", Text(azurite["image"]), StringComparison.Ordinal);
        var env = Items(azurite["env"]).ToDictionary(e => Text(e["name"])!);
        Assert.Equal((Secret, "azurite-accounts"), SecretKey(env["AZURITE_ACCOUNTS"]));
        Assert.Contains("--skipApiVersionCheck", azurite["args"]!.AsArray().Select(Text));
        Assert.Equal("true", Text(dev.Single("Deployment", "kcm-gpu")["spec"]?["template"]?["metadata"]?["annotations"]?["prometheus.io/scrape"]));

        Assert.DoesNotContain("azurite", overlays["prod"].Yaml, StringComparison.OrdinalIgnoreCase);
    }

    private static IEnumerable<JsonObject> Silos(RenderedOverlay rendered) => SiloRoles.Keys.Select(d => rendered.Single("Deployment", d));

    private static JsonObject SiloContainer(JsonObject deployment) => Assert.Single(ContainersOf(deployment), c => Text(c["name"]) == "silo");

    private static (string?, string?) SecretKey(JsonObject env) =>
        (Text(env["valueFrom"]?["secretKeyRef"]?["name"]), Text(env["valueFrom"]?["secretKeyRef"]?["key"]));

    // name:tag with a version-like tag (not latest), or a digest.
    [GeneratedRegex(@"^[^\s@]+(:(?!latest$)[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex("(?i)token|password|secret|uri$|credential|connectionstring|accounts?$|key$")]
    private static partial Regex SecretName();

    // A URI with a password in it, e.g. https://user:pass@host.
    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/]+@")]
    private static partial Regex CredentialUri();
}
