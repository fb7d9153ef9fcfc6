using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests;

/// <summary>
/// The embedded default end to end, in a quick configuration: a KAN judge and MLP small model trained at first start
/// on 2,000 Fashion-MNIST images (one epoch), a tiny ONNX large model with a hint input, real ONNX Runtime.
/// </summary>
public sealed class EmbeddedPipelineTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "kcm-embedded-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task EmbeddedSilo_FirstStartTrainsAndServes_RestartLoadsCachedModels()
    {
        var test = FashionMnist.LoadTest().Slice(0, 200);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        var first = new CapturedLogs();
        var judgeVersion = 0;
        await using (var silo = await StartAsync(first))
        {
            using var http = new HttpClient { BaseAddress = silo.Addresses[0] };
            using var response = await http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(rows), KcmJsonContext.Default.InferRequest);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var answer = (await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse))!;
            var model = (await http.GetFromJsonAsync(KcmRoutes.ModelPath(KcmRoutes.DefaultModel), KcmJsonContext.Default.ModelInfo))!;

            Assert.Equal(test.Count, answer.Results.Length);
            var small = answer.Results.Select((r, i) => (r, i)).Where(x => x.r.Route == InferenceRoute.Small).ToList();
            var large = answer.Results.Where(r => r.Route == InferenceRoute.Large).ToList();
            output.WriteLine($"small route {small.Count}, large route {large.Count}, small-route correct {small.Count(x => x.r.Label == test.Labels[x.i])}");
            Assert.NotEmpty(large);
            Assert.All(large, r => Assert.Equal(HintOutcome.Applied, r.Hint));
            Assert.All(answer.Results, r => Assert.Equal(1, r.SmallModelVersion));
            // A quick judge is rarely sure at 0.98; at 0.5 its confident samples should mostly be right.
            using var lower = new HttpRequestMessage(HttpMethod.Put, KcmRoutes.ThresholdPath(KcmRoutes.DefaultModel))
            {
                Content = JsonContent.Create(new ThresholdRequest(0.5), KcmJsonContext.Default.ThresholdRequest),
            };
            lower.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestSilo.AdminToken);
            (await http.SendAsync(lower)).EnsureSuccessStatusCode();
            using var again = await http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(rows), KcmJsonContext.Default.InferRequest);
            var routed = (await again.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse))!.Results;
            var confident = Enumerable.Range(0, rows.Length).Where(i => routed[i].Route == InferenceRoute.Small).ToList();
            var accuracy = confident.Count(i => routed[i].Label == test.Labels[i]) / (double)confident.Count;
            output.WriteLine($"at 0.5: small route {confident.Count}, accuracy {accuracy:P1}");
            Assert.True(confident.Count >= 20, $"only {confident.Count} samples reached the small model at epsilon 0.5");
            Assert.True(accuracy >= 0.8, $"small-route accuracy {accuracy:P1} on {confident.Count} samples");
            Assert.All(confident, i => Assert.True(routed[i].JudgeConfidence >= 0.5));

            Assert.Equal("small_probs", model.LargeModel.HintInput);
            Assert.Equal("tiny_large_hint.onnx", model.LargeModel.Name);
            var version = Assert.Single(model.SmallModel.Versions);
            Assert.InRange(version.CheckAccuracy, 0.6, 1.0);

            using var distill = new HttpRequestMessage(HttpMethod.Post, KcmRoutes.DistillPath(KcmRoutes.DefaultModel));
            distill.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestSilo.AdminToken);
            using var round = await http.SendAsync(distill);
            var outcome = (await round.Content.ReadFromJsonAsync(KcmJsonContext.Default.DistillResponse))!;
            output.WriteLine($"distillation: promoted {outcome.Promoted}, {outcome.Detail}");
            Assert.Equal(large.Count + rows.Length - confident.Count, outcome.SampleCount); // every large-route answer became a record
            Assert.False(string.IsNullOrWhiteSpace(outcome.Detail));
            Assert.Equal(outcome.Promoted ? 2 : 1, outcome.CurrentVersion);
            Assert.NotNull(outcome.JudgeDetail); // the judge is distilled in the same round, under its own guard
            judgeVersion = outcome.JudgeVersion ?? 1;
        }

        Assert.Contains(first.Lines, l => l.Contains("Trained the judge", StringComparison.Ordinal));
        var second = new CapturedLogs();
        await using (var restarted = await StartAsync(second))
        {
            Assert.Contains(second.Lines, l => l.Contains($"Loaded the cached fashion-mnist.judge version {judgeVersion}", StringComparison.Ordinal));
            Assert.DoesNotContain(second.Lines, l => l.Contains("Trained the", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task EmbeddedSilo_CudaWithoutGpu_FailsToStartWithTheProvidersReason()
    {
        var logs = new CapturedLogs();
        await using var silo = await StartAsync(logs, Onnx.OnnxExecutionProvider.Cuda, waitUntilReady: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(3)));

        Assert.Contains("CUDA", error.Message, StringComparison.Ordinal);
        Assert.IsType<Onnx.OnnxProviderUnavailableException>(error.InnerException);
        Assert.False(silo.Node.IsReady);
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    private async Task<SiloHost> StartAsync(
        CapturedLogs logs, Onnx.OnnxExecutionProvider provider = Onnx.OnnxExecutionProvider.Cpu, bool waitUntilReady = true)
    {
        var silo = SiloHost.Create(
            [
                "--urls=http://127.0.0.1:0",
                "--Kcm:StorePath=" + _store,
                "--Kcm:AdminToken=" + TestSilo.AdminToken,
                "--Kcm:Distillation:Enabled=false",
            ],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
                builder.Services.AddSingleton(new Embedded.EmbeddedModelOptions
                {
                    LargeModelPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny_large_hint.onnx"),
                    HintInputName = "small_probs",
                    SeedSamples = 2000,
                    Epochs = 1,
                    CheckSamples = 500,
                    ExecutionProvider = provider,
                });
                builder.Services.AddSingleton<IServingModelSource, Embedded.FashionMnistModelSource>();
            });
        await silo.StartAsync();
        if (waitUntilReady)
        {
            await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
        }

        return silo;
    }
}
