using System.Net;
using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Grains.Storage;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

public sealed class ModelStoreCorruptionTests
{
    [Fact]
    public async Task Rollback_ToVersionCorruptedOnDisk_IsRefusedWithLoggedReasonAndCurrentKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Doubtful());
        Assert.True((await silo.DistillAsync()).Promoted);
        var store = silo.Host.Node.Grains!.Store;
        var path = store.ContentPath(TestSilo.Model + ".small", 1);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^1] ^= 0x5A; // one flipped byte: same length, different hash
        await File.WriteAllBytesAsync(path, bytes);

        using var response = await silo.Http.SendAsync(silo.Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model),
            JsonContent.Create(new RollbackRequest(1), KcmJsonContext.Default.RollbackRequest)));

        var problem = await RoutingTests.AssertProblem(response, HttpStatusCode.Conflict, "corrupt_version");
        Assert.Contains("sha256", problem.Detail);
        Assert.Contains(silo.Logs.Lines, line => line.Contains("Refused small model", StringComparison.Ordinal) && line.Contains("sha256", StringComparison.Ordinal));
        Assert.Equal(2, (await silo.GetModelAsync()).SmallModel.CurrentVersion);
        var answer = await silo.InferOkAsync(TestModels.Confident());
        Assert.Equal(2, answer.Results[0].SmallModelVersion);
        Assert.Equal(2, answer.Results[0].Label);
    }

    [Fact]
    public async Task Start_NewestVersionCorrupted_LogsReasonAndServesPreviousVersion()
    {
        var storePath = Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var first = await TestSilo.StartAsync(storePath: storePath))
            {
                await first.InferOkAsync(TestModels.Doubtful());
                Assert.Equal(2, (await first.DistillAsync()).CurrentVersion);
            }

            var newest = new LocalDirectoryModelStore(storePath, 5).ContentPath(TestSilo.Model + ".small", 2);
            await File.WriteAllBytesAsync(newest, (await File.ReadAllBytesAsync(newest))[..^4]); // truncated

            await using var second = await TestSilo.StartAsync(storePath: storePath);

            Assert.Equal(1, (await second.GetModelAsync()).SmallModel.CurrentVersion);
            Assert.Equal(1, (await second.InferOkAsync(TestModels.Confident())).Results[0].Label);
            Assert.Contains(second.Logs.Lines, line => line.Contains("Refused small model", StringComparison.Ordinal) && line.Contains("version 2", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(storePath, recursive: true);
        }
    }

    [Fact]
    public async Task Rollback_WithoutVersion_GoesToPreviousAndBack()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Doubtful());
        await silo.DistillAsync();

        using var response = await silo.Http.SendAsync(silo.Admin(HttpMethod.Post, KcmRoutes.RollbackPath(TestSilo.Model)));
        var rollback = await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.RollbackResponse);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, rollback!.CurrentVersion);
        Assert.Equal(2, rollback.PreviousVersion);
        Assert.Equal(1, (await silo.InferOkAsync(TestModels.Confident())).Results[0].SmallModelVersion);
    }
}
