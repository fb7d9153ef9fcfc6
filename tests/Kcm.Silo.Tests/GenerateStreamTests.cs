using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;

namespace Kcm.Silo.Tests;

/// <summary>
/// <c>POST /v1/models/{model}/generate</c> on a silo serving the State of the Union ensemble through its ensemble grain:
/// server-sent token events then one done event, exactly as before; refusals before the first token are problems; a real
/// Prometheus scraping the silo answers the generation queries docs/serving.md gives.
/// </summary>
public sealed class GenerateStreamTests : IAsyncLifetime
{
    private const string Ensemble = "sotu-test";
    private static readonly string[] Members = ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-silo-ensemble-" + Guid.NewGuid().ToString("N"));
    private TestSilo? _silo;

    private TestSilo Silo => _silo!;

    public async Task InitializeAsync()
    {
        foreach (var member in Members)
        {
            var target = Directory.CreateDirectory(Path.Combine(_folder, member)).FullName;
            foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("models", member)))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        var manifest = Path.Combine(_folder, "ensemble.json");
        File.WriteAllText(manifest, $$"""{ "name": "{{Ensemble}}", "members": ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], "main": "sotu-sp2k" }""");
        _silo = await TestSilo.StartAsync(new Dictionary<string, string> { ["Kcm:Ensemble:Manifest"] = manifest });
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Generate_StreamsTokenEventsThenOneDoneEvent()
    {
        using var response = await Silo.Http.PostAsJsonAsync(KcmRoutes.GeneratePath(Ensemble),
            new GenerateRequest("The state of the union is", MaxTokens: 6), KcmJsonContext.Default.GenerateRequest);
        var events = ParseEvents(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(KcmMediaTypes.EventStream, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ServerSentEvents.Done, events[^1].Name);
        Assert.All(events[..^1], e => Assert.Equal(ServerSentEvents.Token, e.Name));
        var tokens = events[..^1].Select(e => JsonSerializer.Deserialize(e.Data, KcmJsonContext.Default.GenerationToken)!).ToList();
        var done = JsonSerializer.Deserialize(events[^1].Data, KcmJsonContext.Default.GenerationDone)!;
        Assert.Equal(done.Tokens, tokens.Count);
        Assert.InRange(tokens.Count, 1, 6);
        Assert.Equal(Enumerable.Range(0, tokens.Count), tokens.Select(t => t.Index));
        Assert.Equal(done.Text, string.Concat(tokens.Select(t => t.Text)));
        Assert.Equal(Ensemble, done.Model);
        Assert.Equal(GenerationModes.Avg, done.Mode);
    }

    [Fact]
    public async Task Generate_RefusalsBeforeTheFirstToken_AreProblems()
    {
        var cases = new (GenerateRequest Request, string Model, HttpStatusCode Status, string Code)[]
        {
            (new GenerateRequest("hello", Mode: "loud"), Ensemble, HttpStatusCode.BadRequest, ProblemCodes.InvalidMode),
            (new GenerateRequest("hello", MaxTokens: 0), Ensemble, HttpStatusCode.BadRequest, ProblemCodes.InvalidMaxTokens),
            (new GenerateRequest(""), Ensemble, HttpStatusCode.BadRequest, ProblemCodes.InvalidPrompt),
            (new GenerateRequest("hello", Mode: GenerationModes.Adapt), Ensemble, HttpStatusCode.Conflict, ProblemCodes.ModeUnavailable),
            (new GenerateRequest("hello"), "another-ensemble", HttpStatusCode.NotFound, ProblemCodes.UnknownModel),
        };

        foreach (var (request, model, status, code) in cases)
        {
            using var response = await Silo.Http.PostAsJsonAsync(KcmRoutes.GeneratePath(model), request, KcmJsonContext.Default.GenerateRequest);
            await Problems.AssertAsync(response, status, code);
        }
    }

    [Fact]
    public async Task RealPrometheus_DocumentedQueries_GiveTokensPerSecondAndTheFusedStepShare()
    {
        Assert.True(PrometheusServer.IsInstalled, $"{PrometheusServer.ExecutablePath} is missing: run ./kcm setup");
        GenerateRequest[] requests = [new("Liberty", 6, Mode: GenerationModes.Main), new("Liberty", 6, Mode: GenerationModes.Gated)];
        // The same generations before and after Prometheus' first scrape: the rates then see exactly the second ones.
        foreach (var request in requests)
        {
            await GenerateAsync(request);
        }

        var address = Silo.Host.Addresses[0];
        using var prometheus = await PrometheusServer.StartAsync($"{address.Host}:{address.Port}");
        var timeout = TimeSpan.FromSeconds(30);
        var series = $"kcm_generation_tokens_total{{model=\"{Ensemble}\"}}";
        var before = await prometheus.WaitForAsync($"sum({series})", s => s[0].Value > 0, timeout);
        var measured = new List<GenerationDone>();
        foreach (var request in requests)
        {
            measured.Add(await GenerateAsync(request));
        }

        var total = before[0].Value + measured.Sum(m => m.Tokens);
        await prometheus.WaitForAsync($"sum({series})", s => s[0].Value == total, timeout);

        // The queries docs/serving.md gives, over a window that holds both scrapes.
        var filter = $"{{model=\"{Ensemble}\",mode=~\"main|gated\"}}";
        var tokensPerSecond = await prometheus.QueryAsync($"sum by (model, mode) (rate(kcm_generation_tokens_total{filter}[1m]))");
        var share = await prometheus.QueryAsync(
            $"sum by (model, mode) (rate(kcm_generation_fused_steps_total{filter}[1m])) / sum by (model, mode) (rate(kcm_generation_tokens_total{filter}[1m]))");

        Assert.Equal(2, tokensPerSecond.Count);
        Assert.All(tokensPerSecond, s => Assert.True(s.Value > 0, s.ToString()));
        Assert.Equal(0, share.Single(s => s.Labels["mode"] == GenerationModes.Main).Value);
        Assert.Equal(measured[1].FusedStepShare, share.Single(s => s.Labels["mode"] == GenerationModes.Gated).Value, 6);
    }

    private async Task<GenerationDone> GenerateAsync(GenerateRequest request)
    {
        using var response = await Silo.Http.PostAsJsonAsync(KcmRoutes.GeneratePath(Ensemble), request, KcmJsonContext.Default.GenerateRequest);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal(ServerSentEvents.Done, events[^1].Name);
        return JsonSerializer.Deserialize(events[^1].Data, KcmJsonContext.Default.GenerationDone)!;
    }

    private static List<(string Name, string Data)> ParseEvents(string text)
    {
        var events = new List<(string Name, string Data)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            events.Add((lines[0]["event: ".Length..], lines[1]["data: ".Length..]));
        }

        return events;
    }
}
