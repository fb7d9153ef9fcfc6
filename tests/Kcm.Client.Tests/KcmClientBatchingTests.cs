using System.Buffers.Binary;
using Kcm.Contracts;

namespace Kcm.Client.Tests;

public sealed class KcmClientBatchingTests
{
    private const int Features = 3;

    [Fact]
    public async Task InferManyAsync_MoreSamplesThanOneBatch_SplitsAndKeepsInputOrder()
    {
        // Sample i carries i in its first feature; the fake labels each sample by that value,
        // and answers later batches sooner, so the order must come from the client, not from arrival.
        const int Samples = 10;
        var features = new float[Samples * Features];
        for (var i = 0; i < Samples; i++)
        {
            features[i * Features] = i;
        }

        var inFlight = 0;
        var maxInFlight = 0;
        var handler = new FakeHandler(async (request, _, token) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            var (batch, firstSample) = Decode(request);
            await Task.Delay(TimeSpan.FromMilliseconds(200 - firstSample * 15), token);
            Interlocked.Decrement(ref inFlight);
            return Responses.Infer(batch.Length, i => batch[i]);
        });
        using var client = handler.Client(FakeHandler.FastOptions(maxBatchSize: 3, maxConcurrency: 3));

        var results = await client.InferManyAsync(features, Samples);

        Assert.Equal(Enumerable.Range(0, Samples), results.Select(r => r.Label));
        Assert.Equal(["1,3", "3,3", "3,3", "3,3"], handler.Requests.Select(r => r.Header(KcmHeaders.Shape)!).Order());
        Assert.InRange(maxInFlight, 2, 3);
    }

    [Fact]
    public async Task InferManyAsync_JaggedInputWithJsonEncoding_KeepsInputOrder()
    {
        var inputs = Enumerable.Range(0, 7).Select(i => new float[] { i, 0 }).ToArray();
        var handler = FakeHandler.Answering((request, _) =>
        {
            using var json = System.Text.Json.JsonDocument.Parse(request.Body);
            var firsts = json.RootElement.GetProperty("inputs").EnumerateArray().Select(r => (int)r[0].GetSingle()).ToArray();
            return Responses.Infer(firsts.Length, i => firsts[i]);
        });
        using var client = handler.Client(FakeHandler.FastOptions(InferEncoding.Json, maxBatchSize: 2, maxConcurrency: 2));

        var results = await client.InferManyAsync(inputs);

        Assert.Equal(Enumerable.Range(0, 7), results.Select(r => r.Label));
        Assert.Equal(4, handler.Count);
    }

    [Fact]
    public async Task InferManyAsync_ServerAnswersTooFewResults_ThrowsTransportException()
    {
        var handler = FakeHandler.Answering((_, _) => Responses.Infer(1, i => i));
        using var client = handler.Client(FakeHandler.FastOptions(maxBatchSize: 2));

        await Assert.ThrowsAsync<KcmTransportException>(() => client.InferManyAsync(new float[4 * Features], 4));
    }

    [Fact]
    public async Task InferManyAsync_OneBatchFails_ThrowsItsProblem()
    {
        var handler = FakeHandler.Answering((request, _) =>
            Decode(request).FirstSample == 2
                ? Responses.Problem(System.Net.HttpStatusCode.BadRequest, ProblemCodes.NonFiniteValue, false)
                : Responses.Infer(2, i => i));
        using var client = handler.Client(FakeHandler.FastOptions(maxBatchSize: 2, maxConcurrency: 1));
        var features = new float[6 * Features];
        for (var i = 0; i < 6; i++)
        {
            features[i * Features] = i;
        }

        var problem = await Assert.ThrowsAsync<KcmProblemException>(() => client.InferManyAsync(features, 6));

        Assert.Equal(ProblemCodes.NonFiniteValue, problem.Code);
    }

    private static (int[] Batch, int FirstSample) Decode(RecordedRequest request)
    {
        var rows = request.Body.Length / sizeof(float) / Features;
        var firsts = Enumerable.Range(0, rows).Select(r => (int)BinaryPrimitives.ReadSingleLittleEndian(request.Body.AsSpan(r * Features * sizeof(float)))).ToArray();
        return (firsts, firsts[0]);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
